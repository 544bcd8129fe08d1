#!/usr/bin/env python3
"""macos_syntax_check.py - compiles vmc's macOS build on Linux.

usage: macos_syntax_check.py SRCROOT BUILDROOT FILE... [--todo FILE...]

FILE... is every source the macOS build compiles (meson's
vmc_darwin_sources, src/meson.build). Runs `clang -target arm64-apple-macos13 -fblocks -fsyntax-only -Wall
-Werror` (plus the project's warning flags) with -nostdlibinc against
tests/macos-stubs, so the Objective-C runtime, libdispatch and blocks calls
in FILE... are type-checked as on a Mac, and a Linux-only header (epoll,
signalfd, timerfd, prctl, linux/*) fails with "file not found". Then checks
that the stubs declare only what the checked sources use: every function
a stub declares must be called or named in one of them (or in a vmc
header they include). Exits 77 (skipped) when clang is not installed.

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
    "-target", "arm64-apple-macos13", "-fblocks", "-fsyntax-only", "-std=gnu11",
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
                if line.startswith(("#", "typedef", "}", "struct", "union")) or "(" not in line:
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
THIRD_PARTY = ["jansson.h", "jansson_config.h", "zlib.h", "zconf.h", "archive.h",
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

    def check(f):
        return subprocess.run([clang] + FLAGS + inc + [os.path.join(root, f)],
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
    print("%d of the macOS build's %d sources compile for arm64-apple-macos13 against the "
          "stubs; %d not ported yet" % (len(passed), len(files), len(todo)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
