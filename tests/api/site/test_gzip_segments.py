"""Segments compressed apart and joined make one ordinary gzip member of the bytes in order."""

from __future__ import annotations

import gzip
import subprocess
import zlib
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from api.site.gzip_segments import Segment, crc32_combine, joined, shift_operator

PARTS = st.lists(st.binary(max_size=3000) | st.text(max_size=800).map(str.encode), max_size=12)


@settings(max_examples=200, deadline=None)
@given(parts=PARTS, level=st.sampled_from([1, 6, 9]))
def test_joined_segments_read_back_as_the_bytes_in_order(parts: list[bytes], level: int) -> None:
    body = joined(Segment.of(part, level) for part in parts)
    whole = b"".join(parts)
    assert gzip.decompress(body) == whole
    reader = zlib.decompressobj(wbits=31)  # one member, nothing after it
    assert reader.decompress(body) == whole and reader.eof and not reader.unused_data
    assert body[-8:] == zlib.crc32(whole).to_bytes(4, "little") + len(whole).to_bytes(4, "little")


@settings(max_examples=300, deadline=None)
@given(first=st.binary(max_size=2000), second=st.binary(max_size=2000))
def test_the_combined_crc_is_the_crc_of_the_concatenation(first: bytes, second: bytes) -> None:
    combined = crc32_combine(zlib.crc32(first), zlib.crc32(second), shift_operator(len(second)))
    assert combined == zlib.crc32(first + second)


def test_the_gzip_tool_accepts_the_file(tmp_path: Path) -> None:
    parts = [
        b"\xef\xbb\xbfEntry ID,Name\r\n",
        *(f"IPL-{n},name {n}\r\n".encode() for n in range(5000)),
    ]
    path = tmp_path / "listings.csv.gz"
    path.write_bytes(joined(Segment.of(b"".join(parts[i : i + 700])) for i in range(0, 5001, 700)))
    tested = subprocess.run(["gzip", "-t", str(path)], capture_output=True, text=True, check=False)
    assert tested.returncode == 0, tested.stderr
    expanded = subprocess.run(["gzip", "-dc", str(path)], capture_output=True, check=True)
    assert expanded.stdout == b"".join(parts)
