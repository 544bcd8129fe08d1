#!/usr/bin/env python3
"""tests/summary.py - one closing line for the whole suite.

Reads meson's testlog.json files and counts test cases: a cmocka binary
contributes each case it ran ("[       OK ]", "[  FAILED  ]", "[  SKIPPED ]"
lines in its output), any other test counts once by meson's result.
Prints each skipped case with its reason, then "N passed, N failed,
N skipped". Exits 1 if anything failed or a log is missing.
"""
import json
import os
import re
import sys

CASE = re.compile(r"^\[ +(OK|FAILED|SKIPPED) +\] (\S+)\s*$")

def main(paths):
    passed = failed = skipped = 0
    bad = False
    for path in paths:
        build = os.path.basename(os.path.dirname(os.path.dirname(os.path.abspath(path))))
        try:
            lines = open(path, encoding="utf-8").read().splitlines()
        except OSError as e:
            print(f"summary: cannot read {path}: {e}")
            bad = True
            continue
        for line in lines:
            t = json.loads(line)
            out = t.get("stdout", "") or ""
            # cmocka prints each case's result on stdout once (the closing
            # "listed below" summary goes to stderr); a binary may run the
            # same case twice (e.g. against a double, then the real thing),
            # so every result line counts.
            results = []
            last_text = ""
            for l in out.splitlines():
                m = CASE.match(l)
                if m:
                    results.append((m.group(1), m.group(2), last_text))
                    last_text = ""
                elif l.startswith("[ RUN"):
                    last_text = ""
                elif l.strip() and not l.startswith("["):
                    last_text = l.strip()
            result = t.get("result")
            if results:
                for r, name, why in results:
                    if r == "OK":
                        passed += 1
                    elif r == "SKIPPED":
                        skipped += 1
                        print(f"skipped [{build}] {t['name']}/{name}: {why}")
                    else:
                        failed += 1
                        print(f"failed [{build}] {t['name']}/{name}")
                if result not in ("OK", "SKIP", "EXPECTEDFAIL") and not any(
                        r == "FAILED" for r, _, _ in results):
                    failed += 1
                    print(f"failed {t['name']}: {result}")
            elif result == "OK":
                passed += 1
            elif result == "SKIP":
                skipped += 1
                print(f"skipped {t['name']}")
            else:
                failed += 1
                print(f"failed {t['name']}: {result}")
    print(f"{passed} passed, {failed} failed, {skipped} skipped")
    return 1 if failed or bad else 0

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
