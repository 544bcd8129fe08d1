#!/usr/bin/env python3
"""codesign.py - signs vmc-shim ad hoc with its entitlements (macOS builds).

usage: codesign.py CODESIGN ENTITLEMENTS BINARY STAMP
       codesign.py CODESIGN ENTITLEMENTS --installed RELPATH   (meson install)

Runs `CODESIGN --sign - --entitlements ENTITLEMENTS --force BINARY`, checks
the entitlement is in the signature (`codesign -d --entitlements -`), and
writes STAMP. With --installed, signs $MESON_INSTALL_DESTDIR_PREFIX/RELPATH
(install may strip the binary, which drops the signature).
"""
import os
import subprocess
import sys


def sign(codesign, entitlements, binary):
    subprocess.run([codesign, "--sign", "-", "--entitlements", entitlements, "--force", binary],
                   check=True)
    out = subprocess.run([codesign, "-d", "--entitlements", "-", binary], check=True,
                         capture_output=True, text=True)
    if "com.apple.security.virtualization" not in out.stdout + out.stderr:
        sys.exit("codesign.py: %s lacks com.apple.security.virtualization after signing" % binary)


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    codesign, entitlements = sys.argv[1], sys.argv[2]
    if sys.argv[3] == "--installed":
        prefix = os.environ.get("MESON_INSTALL_DESTDIR_PREFIX", "")
        sign(codesign, entitlements, os.path.join(prefix, sys.argv[4]))
        return
    sign(codesign, entitlements, sys.argv[3])
    with open(sys.argv[4], "w", encoding="utf-8") as f:
        f.write("signed %s\n" % sys.argv[3])


if __name__ == "__main__":
    main()
