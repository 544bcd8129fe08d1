#!/usr/bin/env python3
"""macos_syntax_check.py - compiles vmc's macOS build on Linux.

usage: macos_syntax_check.py SRCROOT BUILDROOT FILE... [--prog NAME FILE...]...
                             [--todo FILE...]

FILE... is every source the macOS build compiles (meson's
vmc_darwin_sources, src/meson.build); each --prog names a program and its
own files among them (the rest is libvmc). Runs `clang -target
arm64-apple-macos13 -fblocks -c -Wall -Werror` (plus the project's warning
flags; -c rather than -fsyntax-only, for the link check) with -nostdlibinc
against tests/macos-stubs, so the Objective-C runtime, libdispatch and
blocks calls in FILE... are type-checked as on a Mac, and a Linux-only
header (epoll, signalfd, timerfd, prctl, linux/*) fails with "file not
found". Then checks that the stubs declare only what the checked sources
use: every function a stub declares must be called or named in one of
them (or in a vmc header they include). Then the link check (llvm-nm on
the Mach-O objects): every symbol libvmc and each program use must be
defined by one of their objects, declared by a stub (libSystem, the
frameworks) or exported by a linked library. Exits 77 (skipped) when
clang is not installed.

The files after --todo are in the macOS build but not ported yet: each
must still fail the check (it is reported as "todo"), and one that passes
fails the test until it is taken off the list, so the list cannot go
stale.
"""
import concurrent.futures
import os
import re
import shutil
import subprocess
import sys

FLAGS = [
    "-target", "arm64-apple-macos13", "-fblocks", "-c", "-std=gnu11",
    "-Wall", "-Wextra", "-Werror", "-Wshadow", "-Wformat=2", "-Wmissing-prototypes",
    "-Wstrict-prototypes", "-Wvla", "-Wno-unused-parameter", "-nostdlibinc",
    "-D_GNU_SOURCE",
]

DECL = re.compile(r"^[A-Za-z_][\w \t\*]*?\b([A-Za-z_]\w*)\s*\(", re.M)


def stub_functions(stubs):
    """{name: header} of every function prototype in the stubs."""
    out = {}
    for root, _, files in os.walk(stubs):
        for f in files:
            if not f.endswith(".h"):
                continue
            path = os.path.join(root, f)
            text = open(path, encoding="utf-8").read()
            text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
            for line in text.splitlines():
                line = line.strip()
                # (a struct's definition has no "(": prototypes returning
                # "struct x *" are kept)
                if line.startswith(("#", "typedef", "}")) or "(" not in line:
                    continue
                if "(^" in line or "(*" in line.split("(")[0]:
                    continue
                m = DECL.match(line)
                if m:
                    out[m.group(1)] = os.path.relpath(path, stubs)
    return out


# The libraries' own headers (Homebrew ships the same upstream headers on a
# Mac): found in the Debian -dev packages and linked into one directory,
# so that only they, and no other Linux header, are on the include path.
# Their libc includes resolve to the stubs.
THIRD_PARTY = ["jansson.h", "jansson_config.h", "zlib.h", "zconf.h", "archive.h", "cmocka.h",
               "archive_entry.h", "libisofs/libisofs.h", "curl", "openssl"]


def third_party_headers(build):
    """A directory of links to the libraries' headers, or None (skip)."""
    out = os.path.join(build, "macos-third-party-include")
    dirs = ("/usr/include", "/usr/include/%s-linux-gnu" % os.uname().machine)
    if os.path.isdir(out):
        shutil.rmtree(out)
    os.makedirs(out)
    for name in THIRD_PARTY:
        found = [os.path.join(d, name) for d in dirs if os.path.exists(os.path.join(d, name))]
        if not found:
            print("skip: %s is not installed (scripts/deps installs its -dev package)" % name)
            return None
        if os.path.isdir(found[0]):
            # a header directory, merged across the generic and the
            # multiarch include dirs (openssl's configuration.h)
            os.makedirs(os.path.join(out, name))
            for d in found:
                for f in os.listdir(d):
                    link = os.path.join(out, name, f)
                    if not os.path.exists(link):
                        os.symlink(os.path.join(d, f), link)
        else:
            os.symlink(found[0], os.path.join(out, os.path.basename(name)))
    return out


# What a Mac's libraries provide besides what the stubs and the
# libraries' headers declare: symbols clang itself emits calls or
# references to (stack probes and guards, blocks).
RUNTIME = {"__chkstk_darwin", "__stack_chk_fail", "__stack_chk_guard", "_NSConcreteStackBlock",
           "_NSConcreteGlobalBlock", "_Block_object_assign", "_Block_object_dispose", "bzero",
           "memset_pattern16", "_tlv_bootstrap"}  # the last: __thread variables (dyld)
# The libraries vmc links, whose exported symbols (from the Debian build
# of the same upstream release) stand in for Homebrew's.
THIRD_PARTY_LIBS = ["jansson", "z", "curl", "crypto", "archive", "isofs", "cmocka"]


def nm(path, extra=()):
    """(defined, undefined) symbol names of an object or library."""
    r = subprocess.run([shutil.which("llvm-nm")] + list(extra) + [path], capture_output=True,
                       text=True)
    defined, undefined = set(), set()
    for line in r.stdout.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] == "U":
            undefined.add(parts[1])
        elif len(parts) == 3 and parts[1].isupper() and parts[1] != "U":
            defined.add(parts[2].split("@")[0])  # a shared library's symbol@@VERSION
    return defined, undefined


def stub_names(stubs):
    """Every function and extern variable the stubs declare."""
    names = set(stub_functions(stubs))
    for rootdir, _, fs in os.walk(stubs):
        for f in fs:
            if f.endswith(".h"):
                text = open(os.path.join(rootdir, f), encoding="utf-8").read()
                for decl in re.findall(r"^extern ([^;(]*);", text, re.M):
                    # "extern int optind, opterr;" declares both
                    for part in decl.split(","):
                        m = re.search(r"(\w+)\s*(?:\[\w*\])?\s*$", part)
                        if m:
                            names.add(m.group(1))
    return names


def link_check(root, build, stubs, files, progs, obj_of):
    """Every symbol a macOS program (libvmc's objects + its own) uses must
    be defined by one of its objects, or come from libSystem, the
    frameworks or a linked library: catches a function a vmc header
    declares but only a Linux-only file defines. Returns the number of
    failures, or -1 when it cannot run (said why)."""
    if not shutil.which("llvm-nm"):
        print("skip: llvm-nm is not installed (scripts/deps installs llvm): no link check")
        return -1
    external = stub_names(stubs) | RUNTIME
    multiarch = "/usr/lib/%s-linux-gnu" % os.uname().machine
    for lib in THIRD_PARTY_LIBS:
        path = os.path.join(multiarch, "lib%s.so" % lib)
        if not os.path.exists(path):
            print("skip: %s is not installed (scripts/deps): no link check" % path)
            return -1
        external |= nm(path, ["-D", "--defined-only"])[0]
    syms = {}
    for f in files:
        d, u = nm(obj_of(f))
        # Mach-O prefixes C names with an underscore
        syms[f] = ({x[1:] for x in d if x.startswith("_")}, {x[1:] for x in u if x.startswith("_")})
    prog_files = {f for fs in progs.values() for f in fs}
    lib = [f for f in files if f not in prog_files]
    failed = 0
    for name, own in [("libvmc", [])] + sorted(progs.items()):
        objs = lib + own
        defined = set().union(*(syms[f][0] for f in objs))
        for sym in sorted(set().union(*(syms[f][1] for f in objs)) - defined - external):
            users = [f for f in objs if sym in syms[f][1]]
            print("FAIL link %s: %s (used by %s) is defined by no file of the macOS build"
                  % (name, sym, ", ".join(users)))
            failed += 1
        if not failed:
            print("link %s: every symbol of its %d objects resolves" % (name, len(objs)))
    return failed


def main():
    if len(sys.argv) < 4:
        print(__doc__)
        return 2
    root = sys.argv[1]
    build = sys.argv[2]  # vmc-build-config.h
    args = sys.argv[3:]
    todo = set()
    if "--todo" in args:
        i = args.index("--todo")
        todo = set(args[i + 1:])
        args = args[:i]
    progs = {}
    while "--prog" in args:
        i = len(args) - 1 - args[::-1].index("--prog")
        progs[args[i + 1]] = args[i + 2:]
        args = args[:i]
    files = args
    unknown = todo - set(files)
    if unknown:
        print("FAIL --todo names files outside the macOS build: %s" % " ".join(sorted(unknown)))
        return 1
    clang = shutil.which("clang")
    if not clang:
        print("skip: clang is not installed (scripts/deps installs it)")
        return 77
    stubs = os.path.join(root, "tests", "macos-stubs")
    third = third_party_headers(build)
    if third is None:
        return 77
    inc = ["-I", stubs, "-idirafter", third, "-I", os.path.join(root, "include"), "-I", os.path.join(root, "src"),
           "-I", build]
    failed = 0
    passed = []

    objdir = os.path.join(build, "macos-objects")
    os.makedirs(objdir, exist_ok=True)

    def obj_of(f):
        return os.path.join(objdir, f.replace("/", "_") + ".o")

    def check(f):
        return subprocess.run([clang] + FLAGS + inc + [os.path.join(root, f), "-o", obj_of(f)],
                              capture_output=True, text=True)

    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(check, files))
    for f, r in zip(files, results):
        if f in todo:
            if r.returncode == 0:
                print("FAIL %s passes now: take it off the --todo list (tests/meson.build)" % f)
                failed += 1
            else:
                print("todo %s (not ported to macOS yet)" % f)
        elif r.returncode != 0:
            print("FAIL %s\n%s%s" % (f, r.stdout, r.stderr))
            print("     (a file of the macOS build that does not compile for macOS: port it, or\n"
                  "     list it in linux_only_sources in src/meson.build with a macOS variant or\n"
                  "     a \"not available on macOS\" error, or in macos_todo in tests/meson.build)")
            failed += 1
        else:
            print("ok   %s" % f)
            passed.append(f)

    # the stubs hold only what is used
    used = ""
    for f in files:
        used += open(os.path.join(root, f), encoding="utf-8").read()
    for d in ("src/shim", "src/backend", "src/core", "src/manager", "src/net", "src/image",
              "src/cli", "include"):
        for name in os.listdir(os.path.join(root, d)):
            if name.endswith(".h"):
                used += open(os.path.join(root, d, name), encoding="utf-8").read()
    for name, header in sorted(stub_functions(stubs).items()):
        if not name.startswith("__") and not re.search(r"(?<![\w])%s\b" % re.escape(name), used):
            print("FAIL stub %s declares %s, which no checked source uses" % (header, name))
            failed += 1
    if failed:
        return 1
    if progs and not todo:
        failed = link_check(root, build, stubs, files, progs, obj_of)
        if failed < 0:
            return 77
        if failed:
            return 1
    print("%d of the macOS build's %d sources compile for arm64-apple-macos13 against the "
          "stubs; %d not ported yet" % (len(passed), len(files), len(todo)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
