"""A tiny PNG reader (8-bit RGB/RGBA, non-interlaced) on zlib: enough to count pixels of a
colour in a Chromium screenshot without Pillow."""

from __future__ import annotations

import struct
import zlib
from collections import Counter


class PNGError(ValueError):
    pass


def decode(data: bytes) -> tuple[int, int, list[bytes], int]:
    """(width, height, rows of raw pixel bytes, bytes per pixel)."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise PNGError("not a PNG")
    pos, idat, header = 8, [], None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", chunk)
        elif kind == b"IDAT":
            idat.append(chunk)
        elif kind == b"IEND":
            break
    if header is None:
        raise PNGError("no IHDR")
    width, height, depth, colour, _, _, interlace = header
    if depth != 8 or colour not in (2, 6) or interlace:
        raise PNGError(f"unsupported PNG: depth {depth}, colour type {colour}, interlace {interlace}")
    bpp = 3 if colour == 2 else 4
    raw = zlib.decompress(b"".join(idat))
    stride = width * bpp
    rows: list[bytes] = []
    previous = bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1:start + 1 + stride])
        for i in range(stride):
            left = line[i - bpp] if i >= bpp else 0
            up = previous[i]
            corner = previous[i - bpp] if i >= bpp else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + ((left + up) >> 1)) & 0xFF
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 0xFF
            elif kind != 0:
                raise PNGError(f"unknown filter {kind}")
        rows.append(bytes(line))
        previous = line
    return width, height, rows, bpp


def histogram(data: bytes) -> Counter[tuple[int, int, int]]:
    """How many pixels of each RGB colour (alpha ignored)."""
    _, _, rows, bpp = decode(data)
    found: Counter[bytes] = Counter()
    for row in rows:
        found.update(row[i:i + 3] for i in range(0, len(row), bpp))
    return Counter({tuple(k): v for k, v in found.items()})


def count(colours: Counter[tuple[int, int, int]], rgb: tuple[int, int, int], tolerance: int = 6) -> int:
    """Pixels within ``tolerance`` of ``rgb`` on every channel."""
    return sum(n for c, n in colours.items() if all(abs(a - b) <= tolerance for a, b in zip(c, rgb)))
