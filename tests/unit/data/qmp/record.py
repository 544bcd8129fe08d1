#!/usr/bin/env python3
# record.py - records real QMP transcripts from qemu-system-x86_64 for
# tests/unit/qmp_test.c. Each scenario starts a fresh QEMU (-S, no guest),
# sends the listed commands with ids "vmc-<n>" as vmc's client does, and
# writes every byte QEMU sent as "S:" lines (each message ended by \r\n on
# the wire) and every command sent as "C:" lines. Usage:
#   python3 record.py OUTDIR [EXTRA QEMU ARGS...]
# With RECORD_GUEST_KERNEL, RECORD_GUEST_INITRD and RECORD_APPEND set it
# records only guest_shutdown.txt: a booted guest powered off through the
# ACPI power button (system_powerdown).
import json, os, select, socket, subprocess, sys, tempfile, time

QEMU = "qemu-system-x86_64"

def scenario(outdir, name, steps, extra):
    d = tempfile.mkdtemp(prefix="qmprec")
    path = os.path.join(d, "q.sock")
    argv = [QEMU, "-M", "microvm", "-accel", "tcg", "-nodefaults", "-no-user-config",
            "-display", "none", "-S", "-qmp", "unix:%s,server=on,wait=off" % path] + extra
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    for _ in range(500):
        try:
            s.connect(path)
            break
        except (FileNotFoundError, ConnectionRefusedError):
            time.sleep(0.01)
    buf = b""
    out = ["# recorded by record.py from %s, scenario %s" % (
        subprocess.run([QEMU, "--version"], capture_output=True, text=True).stdout.splitlines()[0], name)]
    eof = False

    def read_for(pred, t):
        nonlocal buf, eof
        end = time.monotonic() + t
        while not eof:
            while b"\r\n" in buf:
                line, buf = buf.split(b"\r\n", 1)
                out.append("S: " + line.decode())
                if pred(json.loads(line)):
                    return
            left = end - time.monotonic()
            if left <= 0:
                return
            r, _, _ = select.select([s], [], [], left)
            if r:
                try:
                    chunk = s.recv(65536)
                except ConnectionResetError:
                    chunk = b""
                if not chunk:
                    eof = True
                    if buf:
                        out.append("# partial at EOF: %r" % buf)
                    out.append("!eof")
                    return
                buf += chunk

    read_for(lambda m: "QMP" in m, 5)
    n = 0
    for step in steps:
        if step[0] == "wait":
            read_for(lambda m, e=step[1]: m.get("event") == e, step[2])
            continue
        if step[0] == "settle":
            read_for(lambda m: False, step[1])
            continue
        n += 1
        msg = {"execute": step[0]}
        if len(step) > 1 and step[1] is not None:
            msg["arguments"] = step[1]
        msg["id"] = "vmc-%d" % n
        data = json.dumps(msg)
        out.append("C: " + data)
        s.sendall(data.encode() + b"\r\n")
        read_for(lambda m, i=msg["id"]: m.get("id") == i, 5)
        read_for(lambda m: False, 0.3)   # trailing events
    s.close()
    try:
        p.wait(2)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
    with open(os.path.join(outdir, name + ".txt"), "w") as f:
        f.write("\n".join(out) + "\n")
    for f in os.listdir(d):
        os.unlink(os.path.join(d, f))
    os.rmdir(d)

def main():
    outdir = sys.argv[1]
    extra = sys.argv[2:]
    kernel = os.environ.get("RECORD_GUEST_KERNEL")
    if kernel:
        # A real guest that powers off on the ACPI button: SHUTDOWN with
        # reason guest-shutdown. RECORD_GUEST_INITRD and RECORD_APPEND too.
        guest = ["-m", "256", "-no-reboot", "-kernel", kernel,
                 "-initrd", os.environ["RECORD_GUEST_INITRD"],
                 "-append", os.environ["RECORD_APPEND"]]
        scenario(outdir, "guest_shutdown", [("qmp_capabilities",), ("cont",), ("settle", 8.0),
                 ("system_powerdown",), ("wait", "SHUTDOWN", 20.0), ("settle", 2.0)],
                 extra + guest)
        return
    scenario(outdir, "open", [("qmp_capabilities",)], extra)
    scenario(outdir, "lifecycle", [("qmp_capabilities",), ("query-status",), ("cont",),
             ("query-status",), ("stop",), ("query-status",), ("cont",), ("query-status",),
             ("quit",)], extra)
    scenario(outdir, "error", [("qmp_capabilities",), ("no-such-command",),
             ("device_del", {"id": "nodev0"}), ("query-status", {"bogus": 1}),
             ("query-status",)], extra)
    scenario(outdir, "powerdown", [("qmp_capabilities",), ("cont",), ("system_powerdown",),
             ("settle", 1.0), ("quit",)], extra)

main()
