#!/usr/bin/env python3
"""macos_syntax_check.py - compiles vmc's macOS-only sources on Linux.

usage: macos_syntax_check.py SRCROOT FILE...

Runs `clang -target arm64-apple-macos13 -fblocks -fsyntax-only -Wall
-Werror` (plus the project's warning flags) with -nostdlibinc against
tests/macos-stubs, so the Objective-C runtime, libdispatch and blocks calls
in FILE... are type-checked as on a Mac, and a Linux-only header (epoll,
signalfd, timerfd, prctl, linux/*) fails with "file not found". Then checks
that the stubs declare only what the checked sources use: every function
a stub declares must be called or named in one of them (or in a vmc
header they include). Exits 77 (skipped) when clang is not installed.
"""
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


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    root = sys.argv[1]
    files = sys.argv[2:]
    clang = shutil.which("clang")
    if not clang:
        print("skip: clang is not installed (scripts/deps installs it)")
        return 77
    stubs = os.path.join(root, "tests", "macos-stubs")
    inc = ["-I", stubs, "-I", os.path.join(root, "include"), "-I", os.path.join(root, "src")]
    failed = 0
    for f in files:
        path = os.path.join(root, f)
        r = subprocess.run([clang] + FLAGS + inc + [path], capture_output=True, text=True)
        if r.returncode != 0:
            print("FAIL %s\n%s%s" % (f, r.stdout, r.stderr))
            failed += 1
        else:
            print("ok   %s" % f)

    # the stubs hold only what is used
    used = ""
    for f in files:
        used += open(os.path.join(root, f), encoding="utf-8").read()
    for d in ("src/shim", "src/backend", "src/core", "include"):
        for name in os.listdir(os.path.join(root, d)):
            if name.endswith(".h"):
                used += open(os.path.join(root, d, name), encoding="utf-8").read()
    for name, header in sorted(stub_functions(stubs).items()):
        if not name.startswith("__") and not re.search(r"(?<![\w])%s\b" % re.escape(name), used):
            print("FAIL stub %s declares %s, which no checked source uses" % (header, name))
            failed += 1
    if failed:
        return 1
    print("%d macOS sources compile for arm64-apple-macos13 against the stubs" % len(files))
    return 0


if __name__ == "__main__":
    sys.exit(main())
