"""Sets of matching documents as bitsets, for exact totals and facet counts without Whoosh's
per-document collectors.

Whoosh is pure Python: anything done once per matching document costs microseconds, and a
common word matches half the index. So the search page asks Whoosh only for the top ten, and
counts with posting lists turned into Python integers used as bitsets (one byte per
document, so ``int.from_bytes`` builds one in a single call): ``a & b`` intersects,
``int.bit_count()`` counts. A facet value's documents are the postings of its term, so counting
a facet is one ``&`` and one ``bit_count()`` per value.

Bitsets are kept per segment (segments never change once written, only their deletions do), in
a small LRU shared by the process, so an index generation that adds one document re-reads only
the new segment's postings. Long lists' bitsets were also written with the segment (see
tuning.BitsetWriter): a word's first search after a restart reads them instead of decoding
its posting lists.
"""

from __future__ import annotations

import heapq
import io
import pickle
import re
import struct
import sys
import threading
import zlib
from array import array
from bisect import bisect_left, bisect_right
from collections import OrderedDict
from collections.abc import Iterable
from itertools import accumulate
from typing import Any

from whoosh import query
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, _lenfield
from whoosh.columns import RefBytesColumn
from whoosh.reading import IndexReader, TermNotFound
from whoosh.searching import Searcher
from whoosh.util.numeric import length_to_byte

from dpse.search.tuning import read_bitset, read_bitset_index

CACHE_BYTES = 96 * 1024 * 1024  # bitsets held per process (one byte per document each)
POSTINGS_CACHE_BYTES = 32 * 1024 * 1024  # posting lists with weights, for ranking
KEEP_POSTINGS = 60_000  # a term's bitset is made from its weighted postings up to this length
SCAN_LIMIT = 4000  # up to this many matches, sort them; above, walk the segment's date order
PARTIAL_RATIO = 1  # read only some blocks when a list has more blocks than candidates
POSTING_BLOCK = 128  # postings per block in Whoosh's format
PARTIAL_SHARE = 3  # when a third of a list's blocks are wanted anyway, read all and cache it
_ONE = re.compile(b"\x01")
_INT = struct.Struct("!i")  # Whoosh's block length


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


def _raw_postings(reader: IndexReader, fieldname: str, text: str) -> bytes | tuple[list, list]:
    """A term's posting list as its bytes on disk, read in one piece; or, where it is inlined
    in the term's info or the segment is not on disk, as its (ids, weights) lists.

    Decoding the blocks here rather than through Whoosh's matcher matters: the matcher reads
    each block's header a few bytes at a time and decodes ids with a Python generator, which
    made a cold facet count three times slower.
    """
    terms = getattr(reader, "_terms", None)
    try:
        if terms is None or not hasattr(terms, "term_info"):  # not a segment on disk
            matcher = reader.postings(fieldname, text)
            ids, weights = [], []
            while matcher.is_active():
                ids.append(matcher.id())
                weights.append(matcher.weight())
                matcher.next()
            return ids, weights
        info = terms.term_info(fieldname, reader.schema[fieldname].to_bytes(text))
    except (TermNotFound, KeyError, ValueError):
        return [], []
    if info.is_inlined():
        inline_ids, inline_weights, _ = info.inlined_postings()
        return list(inline_ids), list(inline_weights)
    offset, length = info.extent()
    if isinstance(length, tuple):  # Whoosh's TermInfo.from_bytes leaves it a 1-tuple
        (length,) = length
    return terms._postfile.get(offset, length)


def _posting_ids(
    reader: IndexReader, fieldname: str, text: str, within: list[int] | None = None
) -> tuple[list[int], bool]:
    """The document numbers in a term's postings, deleted ones included, and whether that is
    all of them: with ``within`` (sorted document numbers), only the blocks that could hold
    one of those are decoded, unless that is a good part of the list anyway."""
    raw = _raw_postings(reader, fieldname, text)
    if isinstance(raw, tuple):
        return raw[0], True
    return _block_ids(raw, within)


def _block_spans(raw: bytes) -> list[tuple[int, int, int, int]]:
    """(data start, end, compression, last id) of each block of a posting list in Whoosh 3's
    format: a magic tag, then blocks of (signed length, pickled block info, pickled and maybe
    compressed data); a negative length marks the last block."""
    if raw[:4] != WHOOSH3_HEADER_MAGIC:
        raise ValueError("not a Whoosh 3 posting list")
    buf = io.BytesIO(raw)
    position = 4
    spans: list[tuple[int, int, int, int]] = []
    while position < len(raw):
        (length,) = _INT.unpack_from(raw, position)
        start = position + _INT.size
        end = start + abs(length)
        buf.seek(start)
        info = pickle.load(buf)  # noqa: S301 - the index's own file, as Whoosh reads it
        spans.append((buf.tell(), end, info[3], info[1]))
        if length < 0:
            break
        position = end
    return spans


def _block_data(raw: bytes, start: int, end: int, compression: int) -> tuple:
    """A block's (delta-encoded ids, weights, values)."""
    data = raw[start:end]
    if compression:
        data = zlib.decompress(data)
    return pickle.loads(data)  # noqa: S301 - the index's own file, as Whoosh reads it


# Where a block's values start in its pickle (protocol 2 writes bytes as _codecs.encode(...)
# calls, an empty one as bytes()). Neither can occur earlier: the ids and weights before them
# have an upper-case opcode (K, M, J, G, N) at least every nine bytes.
_VALUES_START = (b"c_codecs\nencode\n", b"c__builtin__\nbytes\n")
_HEAD_STEP = 1536  # decompressed bytes to look for the values' start in, at a time


def _block_head(raw: bytes, start: int, end: int, compression: int) -> tuple:
    """A block's (delta-encoded ids, weights), without its values.

    Three quarters of a text field's block are its positions, pickled as one function call
    each: decompressing the block only up to them and unpickling what comes before is four
    times faster than reading it all (``_block_data``), which is what it falls back to.
    """
    data = raw[start:end]
    decompressor = zlib.decompressobj() if compression else None
    head = decompressor.decompress(data, _HEAD_STEP) if decompressor else data
    encoded, empty = _VALUES_START
    while True:
        cut = head.find(encoded)
        first_empty = head.find(empty, 0, cut) if cut > 0 else head.find(empty)
        if first_empty > 0:
            cut = first_empty
        if cut > 0 or decompressor is None or not decompressor.unconsumed_tail:
            break
        head += decompressor.decompress(decompressor.unconsumed_tail, _HEAD_STEP)
    if cut > 0 and head[:2] == b"\x80\x02":
        if head[cut - 1] == 0x28:  # the MARK that opens the values' tuple
            cut -= 1
        try:
            ids, weights = pickle.loads(head[:cut] + b"\x86.")  # noqa: S301 - (ids, weights)
        except (pickle.UnpicklingError, ValueError, TypeError, EOFError, IndexError):
            pass
        else:
            if isinstance(ids, tuple) and (
                weights is None
                or isinstance(weights, float)
                or (isinstance(weights, tuple) and len(weights) == len(ids))
            ):
                return ids, weights
    return _block_data(raw, start, end, compression)[:2]


def _block_ids(raw: bytes, within: list[int] | None = None) -> tuple[list[int], bool]:
    """The document numbers of a posting list, and whether all blocks were decoded. A block's
    info holds its last id, so with ``within`` the blocks holding none of those are skipped
    undecoded — if they are most of the list."""
    spans = _block_spans(raw)
    previous_last, wanted = -1, []
    for *_, last_id in spans:
        wanted.append(within is None or _any_in(within, previous_last, last_id))
        previous_last = last_id
    whole = sum(wanted) * PARTIAL_SHARE > len(spans)
    ids: list[int] = []
    for (start, end, compression, _), want in zip(spans, wanted, strict=True):
        if want or whole:
            ids.extend(accumulate(_block_head(raw, start, end, compression)[0]))
    return ids, whole


def _posting_weights(
    reader: IndexReader, fieldname: str, text: str, within: list[int] | None = None
) -> tuple[array, array]:
    """A term's document numbers and weights (term frequency times the field's boost), deleted
    documents included: the whole list, or with ``within`` (sorted document numbers) only the
    blocks that could hold one of those."""
    raw = _raw_postings(reader, fieldname, text)
    if isinstance(raw, tuple):
        return array("I", raw[0]), array("f", raw[1])
    ids, weights = array("I"), array("f")
    previous_last = -1
    for start, end, compression, last_id in _block_spans(raw):
        wanted = within is None or _any_in(within, previous_last, last_id)
        previous_last = last_id
        if not wanted:
            continue
        deltas, block_weights = _block_head(raw, start, end, compression)
        ids.extend(accumulate(deltas))
        if block_weights is None:  # Whoosh writes None when every weight is 1.0
            weights.extend([1.0] * len(deltas))
        elif isinstance(block_weights, float):  # ... and one float when they are all equal
            weights.extend([block_weights] * len(deltas))
        else:
            weights.extend(block_weights)
    return ids, weights


def _any_in(docnums: list[int], after: int, upto: int) -> bool:
    """Whether the sorted list has a number in (after, upto]."""
    i = bisect_right(docnums, after)
    return i < len(docnums) and docnums[i] <= upto


def _ref_bits(refs: bytes, names: dict[str, int], text: str) -> int:
    """The documents whose reference is the value's: one ``bytes.translate`` maps that
    reference to 1 and every other to 0."""
    ref = names.get(text)
    if ref is None:
        return 0
    table = bytearray(256)
    table[ref] = 1
    return int.from_bytes(refs.translate(table), "little")


def _bits(ids: Iterable[int], size: int) -> int:
    flags = bytearray(size)
    for docnum in ids:
        flags[docnum] = 1
    return int.from_bytes(flags, "little")


class SegmentSets:
    """Bitsets over one segment's documents (document numbers local to the segment)."""

    def __init__(self, reader: IndexReader) -> None:
        self.reader = reader
        self.size = reader.doc_count_all()
        segment = reader.segment()
        self._segment = segment.segment_id() if segment is not None else f"unsaved:{id(reader)}"
        self.live = int.from_bytes(b"\x01" * self.size, "little")
        deleted = getattr(reader, "deleted_docs_set", None)
        if deleted:
            self.live &= ~_bits(deleted, self.size)

    def term(self, fieldname: str, text: str, within: int | None = None) -> int:
        """Live documents whose field has this (already analysed) term; exact at least among
        the documents of ``within``. Few candidates against a long posting list read only the
        blocks the candidates fall in (not cached then: it is part of the list)."""
        key = (self._segment, fieldname, text)
        bits = _cache.get(key)
        if bits is None:
            refs = self._refs(fieldname)
            if refs is not None:
                bits = _ref_bits(*refs, text)
            elif (flags := self._stored_flags(fieldname, text)) is not None:
                bits = int.from_bytes(flags, "little")
            elif within is not None and (
                within.bit_count() * PARTIAL_RATIO * POSTING_BLOCK
                < self.reader.doc_frequency(fieldname, text)
            ):
                flags = within.to_bytes(self.size, "little")
                candidates = [m.start() for m in _ONE.finditer(flags)]
                ids, whole = _posting_ids(self.reader, fieldname, text, candidates)
                bits = _bits(ids, self.size)
                if not whole:
                    return bits & self.live
            elif self.reader.doc_frequency(fieldname, text) <= KEEP_POSTINGS:
                # Ranking (rank_by_postings) reads the same blocks: decode them once.
                bits = _bits(self.postings(fieldname, text)[0], self.size)
            else:
                bits = _bits(_posting_ids(self.reader, fieldname, text)[0], self.size)
            _cache.put(key, bits, self.size)
        return bits & self.live

    def _stored_flags(self, fieldname: str, text: str) -> bytes | None:
        """The term's documents as the segment's bitset file has them (tuning.BitsetWriter:
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
            cached = _posting_weights(self.reader, fieldname, text)
            _postings_cache.put(key, cached, 8 * len(cached[0]) + 64)
        return cached

    def weights_of(self, fieldname: str, text: str, docnums: list[int]) -> dict[int, float]:
        """The term's weight in each of these documents (sorted numbers) that has it. Only
        the blocks they fall in are decoded, unless the list is cached or most of it is
        wanted anyway (then it is decoded whole, and cached)."""
        key = (self._segment, fieldname, text)
        cached = _postings_cache.get(key)
        if cached is None and (
            len(docnums) * PARTIAL_SHARE * POSTING_BLOCK
            >= self.reader.doc_frequency(fieldname, text)
        ):
            cached = self.postings(fieldname, text)
        ids, weights = cached or _posting_weights(self.reader, fieldname, text, docnums)
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

    def _refs(self, fieldname: str) -> tuple[bytes, dict[str, int]] | None:
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
        flags = bits.to_bytes(self.size, "little")
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


def _estimate(q: query.Query, reader: IndexReader) -> int:
    """An upper bound on how many documents a part of a query matches (postings to read)."""
    if isinstance(q, query.Not):
        return reader.doc_count_all()
    try:
        return sum(reader.doc_frequency(name, text) for name, text in q.iter_all_terms())
    except (TypeError, ValueError):  # terms that are not plain text
        return reader.doc_count_all()


def _matcher_bits(q: query.Query, searcher: Searcher, sets: SegmentSets) -> int:
    """Fallback for queries with positions (phrases) and the like: ask Whoosh's matcher."""
    matcher = q.matcher(searcher)
    return _bits(matcher.all_ids(), sets.size) & sets.live


def query_bits(
    q: query.Query, searcher: Searcher, sets: SegmentSets, within: int | None = None
) -> int:
    """The live documents of one segment matching a query (``searcher`` is that segment's).
    With ``within``, the answer need only be exact among those documents (callers intersect
    with it): an AND passes down what its rarer parts left, so common words' long posting
    lists are read only where that could still match."""
    if isinstance(q, query.Term):
        return sets.term(q.fieldname, q.text, within)
    if q is query.NullQuery or isinstance(q, query.NullQuery.__class__):
        return 0
    if isinstance(q, query.Every):
        return sets.live if q.fieldname in (None, "", "*") else _matcher_bits(q, searcher, sets)
    if isinstance(q, query.ConstantScoreQuery | query.WrappingQuery) and not isinstance(
        q, query.Not
    ):
        return query_bits(q.child, searcher, sets, within)
    if isinstance(q, query.Not):
        return sets.live & ~query_bits(q.query, searcher, sets, within)
    if isinstance(q, query.AndNot):
        bits = query_bits(q.a, searcher, sets, within)
        return bits & ~query_bits(q.b, searcher, sets, bits) if bits else 0
    if isinstance(q, query.AndMaybe):
        return query_bits(q.a, searcher, sets, within)
    if isinstance(q, query.Require):
        bits = query_bits(q.a, searcher, sets, within)
        return bits & query_bits(q.b, searcher, sets, bits) if bits else 0
    if isinstance(q, query.And):
        # Rarest part first: long queries of words rarely all match, and an empty intersection
        # stops before the common words' long posting lists are read.
        bits = sets.live if within is None else within
        for sub in sorted(q.subqueries, key=lambda sub: _estimate(sub, sets.reader)):
            bits &= query_bits(sub, searcher, sets, bits)
            if not bits:
                break
        return bits
    if isinstance(q, query.Or | query.DisjunctionMax):
        bits = 0
        for sub in q.subqueries:
            bits |= query_bits(sub, searcher, sets, within)
        return bits
    return _matcher_bits(q, searcher, sets)


class DocSet:
    """The documents matching a query across the searcher's segments."""

    def __init__(self, searcher: Searcher, q: query.Query) -> None:
        self.parts: list[tuple[SegmentSets, int]] = []
        for sub, _offset in searcher.leaf_searchers():
            sets = SegmentSets(sub.reader())
            self.parts.append((sets, query_bits(q, sub, sets)))

        self.offsets = [offset for _, offset in searcher.leaf_searchers()]

    def __len__(self) -> int:
        return sum(bits.bit_count() for _, bits in self.parts)

    def docnums(self) -> list[int]:
        """Every matching document's global number, in order (use for small sets)."""
        found: list[int] = []
        for (sets, bits), offset in zip(self.parts, self.offsets, strict=True):
            if bits:
                flags = bits.to_bytes(sets.size, "little")
                found += [m.start() + offset for m in _ONE.finditer(flags)]
        return found

    def docnums_with(self, fieldname: str, text: str) -> list[int]:
        """The matching documents (global numbers) whose field has this analysed term."""
        found: list[int] = []
        for (sets, bits), offset in zip(self.parts, self.offsets, strict=True):
            both = bits & sets.term(fieldname, text, bits) if bits else 0
            if both:
                flags = both.to_bytes(sets.size, "little")
                found += [m.start() + offset for m in _ONE.finditer(flags)]
        return found

    def newest(self, fieldname: str, limit: int) -> list[int]:
        """Global document numbers of the ``limit`` newest documents (by a sortable column)."""
        found: list[tuple[int, int]] = []
        for (sets, bits), offset in zip(self.parts, self.offsets, strict=True):
            if bits:
                found += [(v, d + offset) for v, d in sets.newest(bits, fieldname, limit)]
        found.sort(key=lambda item: (-item[0], item[1]))
        return [docnum for _, docnum in found[:limit]]

    def counts(self, fieldname: str) -> dict[str, int]:
        """How many of the documents have each term of a field (a facet's counts)."""
        out: dict[str, int] = {}
        for sets, bits in self.parts:
            if not bits:
                continue
            for value in sets.values(fieldname):
                n = (bits & sets.term(fieldname, value)).bit_count()
                if n and value:
                    out[value] = out.get(value, 0) + n
        return out


def clear_cache() -> None:
    """Forget every cached bitset (benchmarks measure the cold case with it)."""
    _cache.clear()
    _postings_cache.clear()
