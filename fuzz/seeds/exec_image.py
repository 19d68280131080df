#!/usr/bin/env python3
"""Writes the exec_image seed inputs into the directory given (see fuzz/README.md).

    seeds/exec_image.py OUT_DIR [STATIC_BINARY...]

Each binary becomes one seed: the 72-byte control header (file size mode 3, the real file
size, an 8 MiB stack limit, two arguments and one environment entry) followed by the
binary's ELF header and program header table only, so the loader sees the real segments
of a file of the real size (the bytes past the table read as zero). Some `#!` lines are
written as well.
"""
import os
import struct
import sys


def control(size_mode, p, argc=2, envc=1, lens=(5, 3, 9), path_len=9):
    h = bytearray(72)
    h[0] = size_mode
    struct.pack_into("<Q", h, 1, p)
    struct.pack_into("<Q", h, 9, 8 << 20)
    h[17], h[18] = argc, envc
    struct.pack_into("<H", h, 20, path_len)
    for i, n in enumerate(lens):
        struct.pack_into("<H", h, 24 + 2 * i, n)
    return h


SCRIPTS = [
    b"#!/bin/sh\n",
    b"#!/bin/echo a b\n",
    b"#! \t/usr/bin/env  -S x y \t\nrest",
    b"#!/bin/" + b"e" * 300,
    b"#!/x \0junk\n",
    b"#!/bin/echo " + b"x" * 300 + b"\n",
]

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
for path in sys.argv[2:]:
    elf = open(path, "rb").read()
    phoff, = struct.unpack_from("<Q", elf, 32)
    phnum, = struct.unpack_from("<H", elf, 56)
    name = "elf-" + os.path.basename(path)
    with open(os.path.join(out, name), "wb") as f:
        f.write(control(3, len(elf)) + elf[: phoff + 56 * phnum])
for i, line in enumerate(SCRIPTS):
    with open(os.path.join(out, "script-%d" % i), "wb") as f:
        f.write(control(0, 0) + line)
