#!/usr/bin/env python3
"""tests/style_check.py - the house style's mechanical rules (STYLE.md 4, 6).

Fails on calls to banned functions (system, popen, sprintf, strcpy,
strcat, atoi, signal) and on open()/openat() calls that do not pass
O_CLOEXEC, in every C file under src/, guest/, tests/ and bench/.
Comments and string literals are ignored; a call whose flags come in a
variable is annotated on its line with a `cloexec:` comment saying so.
Prints each finding as
path:line: text.
"""
import os
import re
import sys

BANNED = re.compile(r"(?<![\w.>])(system|popen|sprintf|strcpy|strcat|atoi|signal)\s*\(")
OPEN = re.compile(r"(?<![\w.>])(open|openat)\s*\(")

def strip(text):
    """Blanks comments and string/char literals, keeping line breaks."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j])); i = j
        elif text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i)); i = j
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            out.append(c + " " * (j - i - 1) + c); i = j + 1
        else:
            out.append(c); i += 1
    return "".join(out)

def calls(code, start):
    """The text of the call whose '(' is at start, up to its ')'."""
    depth = 0
    for k in range(start, min(len(code), start + 2000)):
        if code[k] == "(":
            depth += 1
        elif code[k] == ")":
            depth -= 1
            if depth == 0:
                return code[start:k + 1]
    return code[start:start + 2000]

def main(root):
    bad = 0
    for top in ("src", "guest", "tests", "bench"):
        for d, _, files in os.walk(os.path.join(root, top)):
            for f in files:
                if not f.endswith(".c"):
                    continue
                path = os.path.join(d, f)
                raw = open(path, encoding="utf-8", errors="replace").read()
                code = strip(raw)
                lines = raw.splitlines()
                for m in BANNED.finditer(code):
                    ln = code.count("\n", 0, m.start()) + 1
                    print(f"{os.path.relpath(path, root)}:{ln}: banned call {m.group(1)}(): {lines[ln-1].strip()}")
                    bad += 1
                for m in OPEN.finditer(code):
                    args = calls(raw, code.index("(", m.start()))
                    ln = code.count("\n", 0, m.start()) + 1
                    if "cloexec:" in lines[ln - 1]:
                        continue  # annotated: the flags variable carries it
                    if "O_CLOEXEC" not in args and "O_PATH" not in args:
                        print(f"{os.path.relpath(path, root)}:{ln}: {m.group(1)}() without O_CLOEXEC: {lines[ln-1].strip()}")
                        bad += 1
    print(f"style: {bad} finding(s)")
    return 1 if bad else 0

if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "."))
