"""A gzip file made of segments compressed apart, joined again at the cost of what changed.

The spreadsheet download of a million entries is some 300 MB of text: compressing it whole
for every new list state cost each worker seconds of CPU after every removal. Here each
segment is compressed once, on its own (raw deflate ending in a full flush: byte-aligned,
no reference to what came before), and a file is the gzip header, the segments' deflate data
one after the other, an empty final block, and the CRC-32 and length of the whole (RFC 1952).
The whole's CRC-32 is worked out from the segments' own (`crc32_combine`), each segment
keeping the operator that shifts a CRC past its length. Every gzip reader reads the result as
one ordinary member; this is how parallel compressors such as pigz write.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterable
from dataclasses import dataclass

# CRC-32 (ISO-HDLC, as gzip and zlib use it), reflected: x^0 is the highest bit.
_POLY = 0xEDB88320
_X0 = 1 << 31
# gzip header: deflate, no flags, no time (mtime 0), no extra flags, operating system unknown.
_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"
# A final fixed-Huffman block holding only its end code, after a byte-aligned flush.
_FINAL_BLOCK = b"\x03\x00"


def _times(a: int, b: int) -> int:
    """a(x) times b(x) modulo the CRC polynomial."""
    product, bit = 0, _X0
    while a:
        if a & bit:
            product ^= b
            a ^= bit
        bit >>= 1
        b = (b >> 1) ^ _POLY if b & 1 else b >> 1
    return product


# x^(2^k) modulo the polynomial, k = 0..63: enough for any length a Python bytes object has.
_POWERS = [_X0 >> 1]
for _ in range(63):
    _POWERS.append(_times(_POWERS[-1], _POWERS[-1]))


def shift_operator(length: int) -> int:
    """x^(8 * length) modulo the polynomial: what moves a CRC past `length` more bytes."""
    operator, k, bits = _X0, 0, 8 * length
    while bits:
        if bits & 1:
            operator = _times(_POWERS[k], operator)
        bits >>= 1
        k += 1
    return operator


def crc32_combine(crc1: int, crc2: int, operator: int) -> int:
    """The CRC-32 of A + B from A's and B's, where `operator` is B's `shift_operator`."""
    return _times(operator, crc1) ^ crc2


@dataclass(frozen=True)
class Segment:
    """Some bytes of a file, compressed on their own, with what joining them needs."""

    deflated: bytes
    crc: int
    length: int
    operator: int

    @classmethod
    def of(cls, data: bytes, level: int = 1) -> Segment:
        """`data` compressed as a segment."""
        compressor = zlib.compressobj(level, zlib.DEFLATED, -zlib.MAX_WBITS)
        deflated = compressor.compress(data) + compressor.flush(zlib.Z_FULL_FLUSH)
        return cls(deflated, zlib.crc32(data), len(data), shift_operator(len(data)))


def joined(segments: Iterable[Segment]) -> bytes:
    """The gzip file of the segments' bytes, in order."""
    crc, length, parts = 0, 0, [_HEADER]
    for segment in segments:
        crc = crc32_combine(crc, segment.crc, segment.operator)
        length += segment.length
        parts.append(segment.deflated)
    parts.append(_FINAL_BLOCK)
    parts.append(struct.pack("<II", crc, length & 0xFFFFFFFF))
    return b"".join(parts)
