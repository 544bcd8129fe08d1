#!/usr/bin/env python3
# mkcorpus.py - writes the seed corpus of tests/fuzz/qmp_fuzzer.c from the
# recorded transcripts here: byte 0 = (commands every N writes) << 6 |
# (write size - 1), then the peer's bytes (the S: lines, "\r\n"-ended).
#   python3 mkcorpus.py ../../../fuzz/corpus/qmp
# The found-* files there are inputs a libFuzzer run (clang
# -fsanitize=fuzzer) added coverage with, kept after -merge=1.
import os, sys

here = os.path.dirname(os.path.abspath(__file__))
out = sys.argv[1]

def server_bytes(name):
    lines = []
    for line in open(os.path.join(here, name + ".txt"), encoding="utf-8"):
        line = line.rstrip("\n")
        if line.startswith("S: "):
            lines.append(line[3:].encode() + b"\r\n")
        elif line.startswith("!raw "):
            lines.append(line[5:].encode())
    return b"".join(lines)

def seed(name, head, body):
    with open(os.path.join(out, name), "wb") as f:
        f.write(bytes([head]) + body)

greet = server_bytes("open")
for t in ["open", "lifecycle", "error", "powerdown", "guest_shutdown", "joined", "unknown_id", "eof_mid_reply"]:
    seed(t + "_chunk64", 63, server_bytes(t))
    seed(t + "_bytewise", 0, server_bytes(t))
    seed(t + "_cmds", (1 << 6) | 15, server_bytes(t))
seed("lifecycle_cmds_every3", (3 << 6) | 7, server_bytes("lifecycle"))
seed("not_json", 7, greet + b"not json\r\n")
seed("array", 7, greet + b"[1, 2]\r\n")
seed("unknown_kind", 7, greet + b'{"foo": 1}\r\n')
seed("event_not_string", 7, greet + b'{"event": 5}\r\n')
seed("dup_keys", 7, greet + b'{"event": "STOP", "event": "RESUME"}\r\n')
seed("nul", 7, greet + b'{"event": "ST\x00P"}\r\n')
seed("bad_utf8", 7, greet + b'{"event": "\xff\xfe"}\r\n')
seed("deep", 7, greet + b'{"event": "X", "data": ' + b"[" * 3000 + b"]" * 3000 + b"}\r\n")
seed("long_line", 63, greet + b'{"event": "X", "data": {"s": "' + b"x" * 20000 + b'"}}\r\n')
seed("no_newline", 63, greet + b'{"event": "X"}' * 500)
seed("greeting_only", 63, greet.split(b"\r\n")[0] + b"\r\n")
seed("no_greeting", 63, b'{"return": {}, "id": "vmc-1"}\r\n' * 2)
seed("bare_lf_blank_lines", 3, greet.replace(b"\r\n", b"\n") + b"\n\r\n  \r\n" +
     b'{"event": "STOP"}\n')
seed("caps_error", 63, greet.split(b"\r\n")[0] + b'\r\n{"id": "vmc-1", "error": {"class": "GenericError", "desc": "no"}}\r\n')
seed("error_no_desc", (1 << 6) | 63, greet + b'{"id": "vmc-2", "error": {"class": "X"}}\r\n')
seed("return_null", (1 << 6) | 63, greet + b'{"id": "vmc-2", "return": null}\r\n')
seed("empty", 0, b"")
