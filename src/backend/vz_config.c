/*
 * vz_config.c - turns the vz backend's plan into Virtualization.framework
 * objects (macOS only): the VZVirtualMachineConfiguration (Linux boot
 * loader, generic platform with the persisted machine identifier, virtio
 * console into the shim's console pipe, entropy, balloon, vsock, raw
 * disks, NAT and file-handle NICs with their MACs, virtio-fs shares),
 * validated, then the VZVirtualMachine on the VM's queue with its
 * delegate. The delegate's class is made at run time (objc_allocateClassPair
 * + class_addMethod; see vz.c for why a delegate). Runs on the VM's queue.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend/vz_vm.h"
#include "core/error.h"

/* ------------------------------------------------------------ delegate */

static struct backend_vm *delegate_vm(id self)
{
	Ivar iv = class_getInstanceVariable(object_getClass(self), "vmc_vm");

	return iv ? *(struct backend_vm **)(void *)((char *)self + ivar_getOffset(iv)) : NULL;
}

/* - (void)guestDidStopVirtualMachine:(VZVirtualMachine *)vm */
static void delegate_guest_did_stop(id self, SEL cmd, id vzvm)
{
	struct backend_vm *vm = delegate_vm(self);

	(void)cmd;
	(void)vzvm;
	if (vm)
		vz_vm_ended(vm, NULL);
}

/* - (void)virtualMachine:(VZVirtualMachine *)vm didStopWithError:(NSError *)error
 * The VM is in VZVirtualMachineStateError: FAILED with the framework's text. */
static void delegate_did_stop_with_error(id self, SEL cmd, id vzvm, id error)
{
	struct backend_vm *vm = delegate_vm(self);
	char text[VZ_TEXT_MAX], reason[VZ_TEXT_MAX];

	(void)cmd;
	(void)vzvm;
	vz_error_text(error, text, sizeof(text));
	vz_state_map(VZ_STATE_ERROR, 0, text, reason, sizeof(reason));
	if (vm)
		vz_vm_ended(vm, reason);
}

/* A class is registered once per process with the runtime, which is
 * process-wide state by nature; made once (dispatch_once) and never
 * changed after. */
static Class delegate_class;

static void make_delegate_class(void *unused)
{
	Class c = objc_allocateClassPair((Class)objc_getClass("NSObject"), "VmcVZDelegate", 0);
	Protocol *proto = objc_getProtocol("VZVirtualMachineDelegate");

	(void)unused;
	if (!c)
		return;
	if (proto)
		class_addProtocol(c, proto);
	class_addIvar(c, "vmc_vm", sizeof(void *), 3, "^v");
	class_addMethod(c, vz_sel("guestDidStopVirtualMachine:"), (IMP)delegate_guest_did_stop,
			"v@:@");
	class_addMethod(c, vz_sel("virtualMachine:didStopWithError:"),
			(IMP)delegate_did_stop_with_error, "v@:@@");
	objc_registerClassPair(c);
	delegate_class = c;
}

static id new_delegate(struct backend_vm *vm)
{
	static dispatch_once_t once;
	id d;
	Ivar iv;

	dispatch_once_f(&once, NULL, make_delegate_class);
	if (!delegate_class)
		return NULL;
	d = vz_msg_id(vz_msg_id((id)delegate_class, "alloc"), "init");
	iv = class_getInstanceVariable(delegate_class, "vmc_vm");
	if (!d || !iv) {
		vz_release(d);
		return NULL;
	}
	*(struct backend_vm **)(void *)((char *)d + ivar_getOffset(iv)) = vm;
	return d;
}

/* ------------------------------------------------------------ configuration */

/* +1 objects made while building, released at the end. */
struct objbag {
	id o[4 * VMC_DEVICES_MAX + 32];
	int n;
};

static id bag(struct objbag *b, id o)
{
	if (o && b->n < (int)(sizeof(b->o) / sizeof(b->o[0])))
		b->o[b->n++] = o;
	return o;
}

static void bag_release(struct objbag *b)
{
	while (b->n > 0)
		vz_release(b->o[--b->n]);
}

static int missing(const char *what)
{
	return vmc_error_set(VMC_EUNSUPPORTED, "%s is not available: Virtualization.framework "
			     "on macOS 13 or later is needed", what);
}

/* VZGenericPlatformConfiguration with the VM's persisted identity. */
static int set_platform(struct backend_vm *vm, id conf, struct objbag *b)
{
	struct vz_plan *p = &vm->plan;
	id platform = bag(b, vz_new("VZGenericPlatformConfiguration"));
	id mid = NULL, data;
	const void *bytes;
	vz_uint len;
	int rc;

	if (!platform)
		return missing("VZGenericPlatformConfiguration");
	if (p->machine_id_mode == VZ_MACHINE_ID_LOAD) {
		data = ((id (*)(id, SEL, const void *, vz_uint))objc_msgSend)(
			vz_cls("NSData"), vz_sel("dataWithBytes:length:"), p->machine_id,
			(vz_uint)p->machine_id_len);
		mid = vz_alloc("VZGenericMachineIdentifier");
		mid = mid ? bag(b, vz_msg_id_id(mid, "initWithDataRepresentation:", data)) : NULL;
		if (!mid)
			return vmc_error_set(VMC_EINVAL, "machine identifier '%s' is not one "
					     "Virtualization.framework accepts; remove it for a new "
					     "one (the guest then sees a new machine)",
					     p->machine_id_path);
	} else {
		mid = bag(b, vz_new("VZGenericMachineIdentifier"));
		if (!mid)
			return missing("VZGenericMachineIdentifier");
	}
	data = vz_msg_id(mid, "dataRepresentation");
	bytes = data ? ((const void *(*)(id, SEL))objc_msgSend)(data, vz_sel("bytes")) : NULL;
	len = data ? vz_msg_uint(data, "length") : 0;
	if (!bytes || len == 0 || len > VZ_MACHINE_ID_MAX)
		return vmc_error_set(VMC_ERROR, "machine identifier: no data representation");
	if (p->machine_id_mode == VZ_MACHINE_ID_CREATE) {
		rc = vz_machine_id_save(p->machine_id_path, bytes, len);
		if (rc < 0)
			return rc;
	}
	vm->machine_id = malloc(len);
	if (!vm->machine_id)
		return vmc_error_oom();
	memcpy(vm->machine_id, bytes, len);
	vm->machine_id_len = len;
	vz_msg_void_id(platform, "setMachineIdentifier:", mid);
	vz_msg_void_id(conf, "setPlatform:", platform);
	return 0;
}

static int set_boot_loader(struct backend_vm *vm, id conf, struct objbag *b)
{
	struct vz_plan *p = &vm->plan;
	id boot = vz_alloc("VZLinuxBootLoader");

	boot = boot ? bag(b, vz_msg_id_id(boot, "initWithKernelURL:", vz_url(p->kernel))) : NULL;
	if (!boot)
		return missing("VZLinuxBootLoader");
	if (p->initramfs)
		vz_msg_void_id(boot, "setInitialRamdiskURL:", vz_url(p->initramfs));
	vz_msg_void_id(boot, "setCommandLine:", vz_str(p->cmdline));
	vz_msg_void_id(conf, "setBootLoader:", boot);
	((void (*)(id, SEL, vz_uint))objc_msgSend)(conf, vz_sel("setCPUCount:"), p->cpus);
	((void (*)(id, SEL, uint64_t))objc_msgSend)(conf, vz_sel("setMemorySize:"), p->memory_bytes);
	return 0;
}

/* Console (hvc0) into the shim's pipe; entropy; balloon; vsock. */
static int set_fixed_devices(struct backend_vm *vm, id conf, struct objbag *b)
{
	id one, port, att, fh;
	int fd = fcntl(vm->console_fd, F_DUPFD_CLOEXEC, 3);

	if (fd < 0)
		return vmc_error_set_errno(VMC_EIO, errno, "dup console");
	fh = bag(b, vz_file_handle(fd)); /* owns fd from here */
	att = vz_alloc("VZFileHandleSerialPortAttachment");
	att = att ? bag(b, ((id (*)(id, SEL, id, id))objc_msgSend)(
		att, vz_sel("initWithFileHandleForReading:fileHandleForWriting:"), (id)NULL, fh)) : NULL;
	port = bag(b, vz_new("VZVirtioConsoleDeviceSerialPortConfiguration"));
	if (!fh || !att || !port)
		return missing("the virtio console");
	vz_msg_void_id(port, "setAttachment:", att);
	vz_msg_void_id(conf, "setSerialPorts:", vz_array(&port, 1));
	one = bag(b, vz_new("VZVirtioEntropyDeviceConfiguration"));
	if (!one)
		return missing("VZVirtioEntropyDeviceConfiguration");
	vz_msg_void_id(conf, "setEntropyDevices:", vz_array(&one, 1));
	one = bag(b, vz_new("VZVirtioTraditionalMemoryBalloonDeviceConfiguration"));
	if (!one)
		return missing("VZVirtioTraditionalMemoryBalloonDeviceConfiguration");
	vz_msg_void_id(conf, "setMemoryBalloonDevices:", vz_array(&one, 1));
	one = bag(b, vz_new("VZVirtioSocketDeviceConfiguration"));
	if (!one)
		return missing("VZVirtioSocketDeviceConfiguration");
	vz_msg_void_id(conf, "setSocketDevices:", vz_array(&one, 1));
	return 0;
}

static int set_disks(struct backend_vm *vm, id conf, struct objbag *b)
{
	struct vz_plan *p = &vm->plan;
	id devs[VMC_DEVICES_MAX + 2];
	char text[VZ_TEXT_MAX];

	for (size_t i = 0; i < p->n_disks; i++) {
		id err = NULL, att = vz_alloc("VZDiskImageStorageDeviceAttachment"), dev;

		att = att ? bag(b, ((id (*)(id, SEL, id, BOOL, id *))objc_msgSend)(
			att, vz_sel("initWithURL:readOnly:error:"), vz_url(p->disks[i].path),
			p->disks[i].read_only ? YES : NO, &err)) : NULL;
		if (!att) {
			vz_error_text(err, text, sizeof(text));
			return vmc_error_set(VMC_EINVAL, "disk '%s': %s", p->disks[i].path, text);
		}
		dev = vz_alloc("VZVirtioBlockDeviceConfiguration");
		devs[i] = dev ? bag(b, vz_msg_id_id(dev, "initWithAttachment:", att)) : NULL;
		if (!devs[i])
			return missing("VZVirtioBlockDeviceConfiguration");
		if (p->disks[i].identifier) {
			/* the guest's /sys/block/vdX/serial; macOS 12.3 */
			if (!class_respondsToSelector((Class)vz_cls("VZVirtioBlockDeviceConfiguration"),
						      vz_sel("setBlockDeviceIdentifier:")))
				return vmc_error_set(VMC_EUNSUPPORTED, "booting an image needs macOS "
						     "12.3 or later (blockDeviceIdentifier)");
			vz_msg_void_id(devs[i], "setBlockDeviceIdentifier:",
				       vz_str(p->disks[i].identifier));
		}
	}
	vz_msg_void_id(conf, "setStorageDevices:", vz_array(devs, p->n_disks));
	return 0;
}

static int set_nics(struct backend_vm *vm, id conf, struct objbag *b)
{
	struct vz_plan *p = &vm->plan;
	id devs[VMC_DEVICES_MAX];

	for (size_t i = 0; i < p->n_nics; i++) {
		struct vz_nic_plan *np = &p->nics[i];
		id dev = bag(b, vz_new("VZVirtioNetworkDeviceConfiguration")), att, mac;

		if (np->attach == VZ_NIC_NAT) {
			att = bag(b, vz_new("VZNATNetworkDeviceAttachment"));
		} else {
			id fh = bag(b, vz_file_handle(np->fd));

			np->fd = -1; /* the handle owns it */
			att = vz_alloc("VZFileHandleNetworkDeviceAttachment");
			att = att && fh ? bag(b, vz_msg_id_id(att, "initWithFileHandle:", fh)) : NULL;
		}
		mac = vz_alloc("VZMACAddress");
		mac = mac ? bag(b, vz_msg_id_id(mac, "initWithString:", vz_str(np->mac_str))) : NULL;
		if (!dev || !att || !mac)
			return vmc_error_set(VMC_EINVAL, "nic %zu (%s): Virtualization.framework "
					     "refused its attachment or MAC", i, np->mac_str);
		vz_msg_void_id(dev, "setMACAddress:", mac);
		vz_msg_void_id(dev, "setAttachment:", att);
		devs[i] = dev;
	}
	vz_msg_void_id(conf, "setNetworkDevices:", vz_array(devs, p->n_nics));
	return 0;
}

static int set_shares(struct backend_vm *vm, id conf, struct objbag *b)
{
	struct vz_plan *p = &vm->plan;
	id devs[VMC_DEVICES_MAX];

	for (size_t i = 0; i < p->n_shares; i++) {
		struct vz_share_plan *sp = &p->shares[i];
		id dir = vz_alloc("VZSharedDirectory"), share, dev;

		dir = dir ? bag(b, ((id (*)(id, SEL, id, BOOL))objc_msgSend)(
			dir, vz_sel("initWithURL:readOnly:"), vz_url(sp->host_path),
			sp->read_only ? YES : NO)) : NULL;
		share = vz_alloc("VZSingleDirectoryShare");
		share = share && dir ? bag(b, vz_msg_id_id(share, "initWithDirectory:", dir)) : NULL;
		dev = vz_alloc("VZVirtioFileSystemDeviceConfiguration");
		dev = dev ? bag(b, vz_msg_id_id(dev, "initWithTag:", vz_str(sp->tag))) : NULL;
		if (!share || !dev)
			return vmc_error_set(VMC_EINVAL, "share '%s' (tag %s): refused by "
					     "Virtualization.framework", sp->host_path, sp->tag);
		vz_msg_void_id(dev, "setShare:", share);
		devs[i] = dev;
	}
	vz_msg_void_id(conf, "setDirectorySharingDevices:", vz_array(devs, p->n_shares));
	return 0;
}

/* Queue side: the configuration and the VZVirtualMachine. */
int vz_build_vm(struct backend_vm *vm)
{
	struct objbag b = { .n = 0 };
	char text[VZ_TEXT_MAX];
	id conf = vz_new("VZVirtualMachineConfiguration"), err = NULL, obj;
	int rc;

	if (!conf)
		return missing("VZVirtualMachineConfiguration");
	rc = set_boot_loader(vm, conf, &b);
	if (rc == 0)
		rc = set_platform(vm, conf, &b);
	if (rc == 0)
		rc = set_fixed_devices(vm, conf, &b);
	if (rc == 0)
		rc = set_disks(vm, conf, &b);
	if (rc == 0)
		rc = set_nics(vm, conf, &b);
	if (rc == 0)
		rc = set_shares(vm, conf, &b);
	if (rc == 0 && !((BOOL (*)(id, SEL, id *))objc_msgSend)(conf, vz_sel("validateWithError:"),
								 &err)) {
		vz_error_text(err, text, sizeof(text));
		rc = vmc_error_set(VMC_EINVAL, "Virtualization.framework refused the configuration: "
				   "%s (is vmc-shim signed with the "
				   "com.apple.security.virtualization entitlement?)", text);
	}
	if (rc == 0) {
		obj = vz_alloc("VZVirtualMachine");
		vm->vm = obj ? ((id (*)(id, SEL, id, dispatch_queue_t))objc_msgSend)(
			obj, vz_sel("initWithConfiguration:queue:"), conf, vm->queue) : NULL;
		vm->delegate = vm->vm ? new_delegate(vm) : NULL;
		if (!vm->vm || !vm->delegate)
			rc = vmc_error_set(VMC_ERROR, "cannot create the VZVirtualMachine");
		else
			vz_msg_void_id(vm->vm, "setDelegate:", vm->delegate);
	}
	bag_release(&b);
	if (rc < 0)
		vz_release(conf);
	else
		vm->config = conf;
	return rc;
}
