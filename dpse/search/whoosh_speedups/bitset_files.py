"""A file of bitsets beside each new segment: the documents of every long posting list.

The fast writer's pass over a new segment's postings also writes, for each list of at least
BITSET_MIN postings, its set of documents (compressed, one byte per document) to a file of the
segment's own (``.dpsebits``, packed into the compound file with the others; Whoosh never
opens it and deletes it with the segment). ``segment_sets.SegmentSets.term`` reads a long
list's bitset from there instead of decoding the list's blocks.
"""

from __future__ import annotations

import marshal
import struct
import zlib
from typing import Any

from whoosh.codec.whoosh3 import W3FieldWriter

BITSETS_EXT = ".dpsebits"  # a segment file of our own; Whoosh packs it into the compound file
BITSET_MIN = 1024  # posting lists at least this long get their bitset written
_TAIL = struct.Struct("<Q")  # where the index of the file starts


class BitsetWriter:
    """Writes, beside a new segment's posting lists, the set of documents of each long list:
    one byte per document (1: it has the term), zlib-compressed, then an index of where each
    is, then the index's offset. Reading one back (``read_bitset``) takes microseconds where
    decoding the posting list's blocks takes milliseconds — what a word's first search after a
    restart, or after a rebuild, would otherwise spend."""

    def __init__(self, fieldwriter: W3FieldWriter, doccount: int) -> None:
        self._fieldwriter = fieldwriter
        self._doccount = doccount
        self._file: Any = None
        self._offset = 0
        self._index: dict[str, dict[bytes, tuple[int, int]]] = {}

    def __bool__(self) -> bool:
        return self._doccount >= BITSET_MIN

    def add(self, fieldname: str, btext: bytes, ids: list[int]) -> None:
        if len(ids) < BITSET_MIN:
            return
        if self._file is None:
            segment = self._fieldwriter._segment
            self._file = segment.create_file(self._fieldwriter._storage, BITSETS_EXT)
        flags = bytearray(self._doccount)
        for docnum in ids:
            flags[docnum] = 1
        data = zlib.compress(flags, 1)
        self._file.write(data)
        self._index.setdefault(fieldname, {})[btext] = (self._offset, len(data))
        self._offset += len(data)

    def close(self) -> None:
        if self._file is not None:
            self._file.write(marshal.dumps(self._index, 4))
            self._file.write(_TAIL.pack(self._offset))
            self._file.close()


def read_bitset_index(storage: Any, segment: Any) -> tuple[Any, dict] | None:
    """A segment's bitset file and its index, or None if it has none (segments written by
    Whoosh's own code, or too small)."""
    name = segment.make_filename(BITSETS_EXT)
    if not storage.file_exists(name):
        return None
    f = storage.open_file(name)
    size = storage.file_length(name)
    (start,) = _TAIL.unpack(f.get(size - _TAIL.size, _TAIL.size))
    index = marshal.loads(f.get(start, size - _TAIL.size - start))  # noqa: S302 - our own file
    return f, index


def read_bitset(bitsets: tuple[Any, dict], fieldname: str, btext: bytes) -> bytes | None:
    """One list's flags (one byte per document), if the file has them."""
    f, index = bitsets
    where = index.get(fieldname, {}).get(btext)
    if where is None:
        return None
    return zlib.decompress(f.get(*where))
