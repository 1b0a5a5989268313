"""Bitsets over one segment's documents, read from posting lists, columns and bitset files.

Whoosh is pure Python: anything done once per matching document costs microseconds, and a
common word matches half the index. So posting lists become Python integers used as bitsets
(bit n for document n): ``a & b`` intersects, ``int.bit_count()`` counts. They are built from
and read back to one byte per document (``from_flags``, ``flags_of``) through ``int(..., 2)``
and ``format(..., "b")``, which CPython runs in linear time for base 2: a bitset of 221,000
documents takes 28 KB and is read back in 0.3 ms (one byte per document took eight times the
memory and made every ``&`` eight times slower). A facet value's documents are the postings
of its term, so counting a facet is one ``&`` and one ``bit_count()`` per value.

Bitsets are kept per segment (segments never change once written, only their deletions do), in
a small LRU shared by the process, so an index generation that adds one document re-reads only
the new segment's postings. Long lists' bitsets were also written with the segment (see
bitset_files.BitsetWriter): a word's first search after a restart reads them instead of
decoding its posting lists.
"""

from __future__ import annotations

import heapq
import re
import struct
import sys
import threading
import zlib
from array import array
from bisect import bisect_left
from collections import OrderedDict
from collections.abc import Iterable
from typing import Any

from whoosh.codec.whoosh3 import _lenfield
from whoosh.columns import RefBytesColumn
from whoosh.reading import IndexReader, TermNotFound
from whoosh.util.numeric import length_to_byte

from dpse.search.whoosh_speedups import postings as posting_lists
from dpse.search.whoosh_speedups.bitset_files import read_bitset, read_bitset_index
from dpse.search.whoosh_speedups.postings import posting_ids, posting_weights

CACHE_BYTES = 48 * 1024 * 1024  # bitsets (one bit per document each), columns, forward lists
POSTINGS_CACHE_BYTES = 32 * 1024 * 1024  # posting lists with weights, for ranking
KEEP_POSTINGS = 60_000  # a term's bitset is made from its weighted postings up to this length
SCAN_LIMIT = 4000  # up to this many matches, sort them; above, walk the segment's date order
_ONE = re.compile(b"\x01")
_TO_DIGITS = bytes.maketrans(b"\x00\x01", b"01")
_TO_FLAGS = bytes.maketrans(b"01", b"\x00\x01")


def from_flags(flags: bytes) -> int:
    """The bitset of one-byte-per-document flags (each 0 or 1)."""
    return int(flags.translate(_TO_DIGITS)[::-1], 2) if flags else 0


def flags_of(bits: int, size: int) -> bytes:
    """A bitset as one byte per document (0 or 1), for finding or looking up its documents."""
    if not size:
        return b""
    return format(bits, "b").zfill(size).encode("ascii")[::-1].translate(_TO_FLAGS)


def nbytes(size: int) -> int:
    """What a bitset over ``size`` documents takes, for the cache's accounting."""
    return size // 8 + 1


class _Cache:
    """A thread-safe LRU of bitsets bounded by their total size."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.size = 0
        self._items: OrderedDict[tuple, tuple[Any, int]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple) -> Any:
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            self._items.move_to_end(key)
            return item[0]

    def put(self, key: tuple, bits: Any, nbytes: int) -> None:
        with self._lock:
            if key in self._items:
                return
            self._items[key] = (bits, nbytes)
            self.size += nbytes
            while self.size > self.limit and len(self._items) > 1:
                _, (_, dropped) = self._items.popitem(last=False)
                self.size -= dropped

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self.size = 0


_cache = _Cache(CACHE_BYTES)
# Decoded (ids, weights) for ranking, apart from the bitsets: at 100,000 documents a common
# word's weights take five times its bitset's room, and sharing one cache evicted bitsets
# (exact totals eight times slower in the benchmark).
_postings_cache = _Cache(POSTINGS_CACHE_BYTES)


def _ref_bits(refs: bytes, names: dict[str, int], text: str) -> int:
    """The documents whose reference is the value's: one ``bytes.translate`` maps that
    reference to 1 and every other to 0."""
    ref = names.get(text)
    if ref is None:
        return 0
    table = bytearray(b"0" * 256)
    table[ref] = ord("1")
    return int(refs.translate(table)[::-1], 2) if refs else 0


def bits_of(ids: Iterable[int], size: int) -> int:
    """A bitset of these document numbers among ``size`` documents."""
    flags = bytearray(size)
    for docnum in ids:
        flags[docnum] = 1
    return from_flags(flags)


class SegmentSets:
    """Bitsets over one segment's documents (document numbers local to the segment)."""

    def __init__(self, reader: IndexReader) -> None:
        self.reader = reader
        self.size = reader.doc_count_all()
        segment = reader.segment()
        self._segment = segment.segment_id() if segment is not None else f"unsaved:{id(reader)}"
        self.live = (1 << self.size) - 1
        deleted = getattr(reader, "deleted_docs_set", None)
        if deleted:
            self.live &= ~bits_of(deleted, self.size)

    def term(self, fieldname: str, text: str, within: int | None = None) -> int:
        """Live documents whose field has this (already analysed) term; exact at least among
        the documents of ``within``. Few candidates against a long posting list read only the
        blocks the candidates fall in (not cached then: it is part of the list)."""
        key = (self._segment, fieldname, text)
        bits = _cache.get(key)
        if bits is None:
            refs = self.refs(fieldname)
            if refs is not None:
                bits = _ref_bits(*refs, text)
            elif (flags := self._stored_flags(fieldname, text)) is not None:
                bits = from_flags(flags)
            elif within is not None and (
                within.bit_count() * posting_lists.POSTING_BLOCK
                < self.reader.doc_frequency(fieldname, text)
            ):
                flags = flags_of(within, self.size)
                candidates = [m.start() for m in _ONE.finditer(flags)]
                ids, whole = posting_ids(self.reader, fieldname, text, candidates)
                bits = bits_of(ids, self.size)
                if not whole:
                    return bits & self.live
            elif self.reader.doc_frequency(fieldname, text) <= KEEP_POSTINGS:
                # Ranking (rank_by_postings) reads the same blocks: decode them once.
                bits = bits_of(self.postings(fieldname, text)[0], self.size)
            else:
                bits = bits_of(posting_ids(self.reader, fieldname, text)[0], self.size)
            _cache.put(key, bits, nbytes(self.size))
        return bits & self.live

    def _stored_flags(self, fieldname: str, text: str) -> bytes | None:
        """The term's documents as the segment's bitset file has them (bitset_files.BitsetWriter:
        long lists only), or None."""
        reader = self.reader
        bitsets = getattr(reader, "_dpse_bitsets", False)
        if bitsets is False:  # not looked for yet: once per reader
            segment, storage = reader.segment(), getattr(reader, "_storage", None)
            try:
                bitsets = read_bitset_index(storage, segment) if segment and storage else None
            except (OSError, ValueError, EOFError, struct.error):
                bitsets = None  # unreadable: decode the posting lists instead
            reader._dpse_bitsets = bitsets
        if bitsets is None:
            return None
        try:
            flags = read_bitset(bitsets, fieldname, reader.schema[fieldname].to_bytes(text))
        except (OSError, ValueError, zlib.error):
            return None
        return flags if flags is not None and len(flags) == self.size else None

    def postings(self, fieldname: str, text: str) -> tuple[array, array]:
        """A term's (document numbers, weights) in this segment, deleted documents included."""
        key = (self._segment, fieldname, text)
        cached = _postings_cache.get(key)
        if cached is None:
            cached = posting_weights(self.reader, fieldname, text)
            _postings_cache.put(key, cached, 8 * len(cached[0]) + 64)
        return cached

    def weights_of(self, fieldname: str, text: str, docnums: list[int]) -> dict[int, float]:
        """The term's weight in each of these documents (sorted numbers) that has it. Only
        the blocks they fall in are decoded, unless the list is cached or most of it is
        wanted anyway (then it is decoded whole, and cached)."""
        key = (self._segment, fieldname, text)
        cached = _postings_cache.get(key)
        if cached is None and (
            len(docnums) * posting_lists.PARTIAL_SHARE * posting_lists.POSTING_BLOCK
            >= self.reader.doc_frequency(fieldname, text)
        ):
            cached = self.postings(fieldname, text)
        ids, weights = cached or posting_weights(self.reader, fieldname, text, docnums)
        found: dict[int, float] = {}
        size = len(ids)
        i = 0
        for docnum in docnums:
            i = bisect_left(ids, docnum, i)
            if i == size:
                break
            if ids[i] == docnum:
                found[docnum] = weights[i]
        return found

    def bound(self, fieldname: str, text: str) -> tuple[float, int]:
        """The term's highest weight and the shortest field length among its documents here
        (Whoosh keeps both per posting list): what the best score it can give depends on."""
        try:
            info = self.reader.term_info(fieldname, text)
        except (TermNotFound, KeyError, ValueError):
            return 0.0, 0
        return info.max_weight(), info.min_length()

    def lengths(self, fieldname: str) -> bytes:
        """Each document's length of a field, as Whoosh's one-byte code (see preload_lengths)."""
        perdoc = getattr(self.reader, "_perdoc", None)
        column = perdoc._readers.get(_lenfield(fieldname)) if perdoc is not None else None
        if isinstance(column, bytes):
            return column
        return bytes(
            length_to_byte(self.reader.doc_field_length(d, fieldname, 0) or 0)
            for d in range(self.size)
        )

    def refs(self, fieldname: str) -> tuple[bytes, dict[str, int]] | None:
        """A facet's column of one-byte references (one per document) and the values they
        point to, if the field is stored that way (schema.py); else None."""
        key = (self._segment, fieldname, "refs")
        cached = _cache.get(key)
        if cached is None:
            cached = (None,)
            schema = self.reader.schema
            column_type = getattr(schema[fieldname], "column_type", None)
            if isinstance(column_type, RefBytesColumn) and hasattr(self.reader, "_perdoc"):
                column = self.reader.column_reader(fieldname, translate=False)
                if getattr(column, "_typecode", None) == "B" and hasattr(column, "_dbfile"):
                    refs = column._dbfile.get(column._basepos, self.size)
                    names = {v.decode("utf-8"): n for n, v in enumerate(column._uniques)}
                    cached = (refs, names)
            _cache.put(key, cached, self.size)
        return None if cached[0] is None else cached

    def values(self, fieldname: str) -> list[str]:
        """Every term of a (facet) field in this segment."""
        key = (self._segment, fieldname, None)
        cached = _cache.get(key)
        if cached is None:
            words = [w.decode("utf-8") if isinstance(w, bytes) else w
                     for w in self.reader.lexicon(fieldname)]  # fmt: skip
            _cache.put(key, words, 64 * len(words))
            return words
        return cached

    def forward(self, fieldname: str) -> tuple[list[str], list[tuple[int, ...]]]:
        """The segment's values of a (facet) field, and each document's values as positions in
        that list: the postings turned around, built once per segment and field (one pass over
        the field's postings) so counting a few thousand matches costs a few thousand tuple
        reads however many values the field has."""
        key = (self._segment, fieldname, "forward")
        cached = _cache.get(key)
        if cached is None:
            values = self.values(fieldname)
            per_doc: list[list[int]] = [[] for _ in range(self.size)]
            for position, value in enumerate(values):
                for docnum in posting_ids(self.reader, fieldname, value)[0]:
                    per_doc[docnum].append(position)
            empty: tuple[int, ...] = ()
            cached = (values, [tuple(p) if p else empty for p in per_doc])
            postings = sum(len(p) for p in per_doc)
            _cache.put(key, cached, 8 * self.size + 28 * postings + 64 * len(values))
        return cached

    def frequencies(self, fieldname: str) -> dict[str, int]:
        """How many of the segment's documents (deleted ones included) have each value."""
        key = (self._segment, fieldname, "frequencies")
        cached = _cache.get(key)
        if cached is None:
            reader = self.reader
            cached = {v: reader.doc_frequency(fieldname, v) for v in self.values(fieldname)}
            _cache.put(key, cached, 96 * len(cached))
        return cached

    def dates(self, fieldname: str) -> tuple[array, list[int]]:
        """A sortable numeric column's values per document, and the documents newest first."""
        key = (self._segment, fieldname, "column")
        cached = _cache.get(key)
        if cached is None:
            column = self.reader.column_reader(fieldname, translate=False)
            values = _column_values(column, self.size)
            order = sorted(range(self.size), key=values.__getitem__, reverse=True)
            cached = (values, order)
            _cache.put(key, cached, 16 * self.size)
        return cached

    def newest(self, bits: int, fieldname: str, limit: int) -> list[tuple[int, int]]:
        """(value, docnum) of the ``limit`` documents in ``bits`` with the highest values."""
        values, order = self.dates(fieldname)
        flags = flags_of(bits, self.size)
        if bits.bit_count() <= SCAN_LIMIT:
            docnums = [m.start() for m in _ONE.finditer(flags)]
            top = heapq.nlargest(limit, docnums, key=values.__getitem__)
        else:  # many matches: the newest ones come early in the date order
            top = []
            for docnum in order:
                if flags[docnum]:
                    top.append(docnum)
                    if len(top) == limit:
                        break
        return [(values[d], d) for d in top]


def _column_values(column: Any, size: int) -> array:
    """A fixed-width numeric column read in one go (reading it per document is a file read
    each, as the index is opened without mmap)."""
    typecode = getattr(column, "_typecode", None)
    if typecode and typecode in "bBhHiIlLqQ" and hasattr(column, "_dbfile"):
        values = array(typecode)
        width = values.itemsize
        values.frombytes(column._dbfile.get(column._basepos, column._count * width))
        if sys.byteorder == "little":  # Whoosh writes them big-endian ("!")
            values.byteswap()
        values.extend([column._default] * (size - len(values)))
        return values
    return array("q", list(column))


def clear_cache() -> None:
    """Forget every cached bitset (benchmarks measure the cold case with it)."""
    _cache.clear()
    _postings_cache.clear()
