"""Measured adjustments to Whoosh internals (whoosh-reloaded 2.7.5, pinned in
pyproject.toml). Each has a test that compares the result with Whoosh's own behaviour.

1. ``preload_lengths``: BM25 asks for a document's field length for every posting it scores.
   With the index opened without mmap (see index.py) every ask was a seek and a read — a third
   of a common word's query time. The length columns (one byte per document and field) are
   read into memory once per searcher.

2. ``install_chunked_runs``: while indexing, Whoosh's posting pool spills sorted runs to temp
   files and reads them back when the segment is written, pickling *each posting* separately
   (~5.5 µs a posting both ways; a 100,000-document rebuild spills ~30 million). Runs are
   written instead as marshal-ed chunks of postings, read back a chunk at a time (same order,
   same bytes in the index; memory grows by one chunk per run being merged). Each chunk is
   length-prefixed and read with one ``read``: ``marshal.load`` on a file object reads every
   small object with a call of its own, and took 5 s for the runs of 5,000 documents.

3. ``install_fast_writer``: for the fields analysed by a plain ``StemmingAnalyzer`` into
   ``Positions`` (every text field here), ``SegmentWriter.add_document`` computes the same
   terms, frequencies, weights and encoded positions in one loop over the regular expression's
   matches, instead of a generator chain of four filters with a ``Token`` object per word; and
   the segment's posting lists are written with the documents' field lengths read into memory
   once, instead of a column read per posting. Every other field, and any other analyzer or
   format, goes through Whoosh's own code. The index files are byte for byte Whoosh's.

4. ``BitsetWriter``: the same pass over a new segment's postings also writes, for each list of
   at least BITSET_MIN postings, its set of documents (compressed, one byte per document) to a
   file of the segment's own (``.dpsebits``, packed into the compound file with the others;
   Whoosh never opens it and deletes it with the segment). ``docsets.SegmentSets.term`` reads
   a long list's bitset from there instead of decoding the list's blocks.
"""

from __future__ import annotations

import marshal
import re
import struct
import zlib
from collections.abc import Callable, Iterable, Iterator
from functools import partial
from itertools import islice
from pickle import dumps
from typing import Any

from whoosh.analysis import (
    CompositeAnalyzer,
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
    StopFilter,
)
from whoosh.analysis.tokenizers import default_pattern
from whoosh.codec.base import OutOfOrderError
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3FieldWriter, _lenfield
from whoosh.fields import FieldType
from whoosh.formats import Positions
from whoosh.searching import Searcher
from whoosh.system import pack_uint
from whoosh.util.numeric import byte_to_length
from whoosh.writing import PostingPool, SegmentWriter

RUN_CHUNK = 4096  # postings per marshal-ed chunk of a spilled run
_CHUNK_SIZE = struct.Struct("<I")  # the byte length before each chunk


def preload_lengths(searcher: Searcher, fieldnames: Iterable[str]) -> None:
    """Read the text fields' per-document lengths into memory, once per searcher."""
    for sub, _offset in searcher.leaf_searchers():
        perdoc = getattr(sub.reader(), "_perdoc", None)
        if perdoc is None or not hasattr(perdoc, "_cached_reader"):
            continue
        for name in fieldnames:
            lenfield = _lenfield(name)
            data = _column_bytes(perdoc._cached_reader(lenfield, LENGTHS_COLUMN))
            if data is not None:
                perdoc._readers[lenfield] = data


def _column_bytes(column: Any) -> bytes | None:
    """A one-byte-per-document column read whole (None where it is not such a column)."""
    if column is None or isinstance(column, bytes) or not hasattr(column, "_dbfile"):
        return None
    data = column._dbfile.get(column._basepos, column._count)
    return data + bytes(column._doccount - len(data))


def _write_run(self: PostingPool, f: Any, items: Iterable[tuple]) -> None:
    iterator = iter(items)
    while chunk := list(islice(iterator, RUN_CHUNK)):
        data = marshal.dumps(chunk, 4)
        f.write(_CHUNK_SIZE.pack(len(data)))
        f.write(data)
    f.close()


def _read_run(self: PostingPool, path: str) -> Iterator[tuple]:
    f = self._open_run(path)
    try:
        while header := f.read(_CHUNK_SIZE.size):
            (size,) = _CHUNK_SIZE.unpack(header)
            yield from marshal.loads(f.read(size))  # noqa: S302 - our own temp file
    finally:
        f.close()
        self._remove_run(path)


def install_chunked_runs() -> None:
    """Make Whoosh's posting pool spill runs in chunks (idempotent)."""
    PostingPool._write_run = _write_run
    PostingPool._read_run = _read_run


# -- 3. the fast writer ----------------------------------------------------------------------

WHOOSH_ADD_DOCUMENT = SegmentWriter.add_document
WHOOSH_ADD_POSTINGS = W3FieldWriter.add_postings
# Whoosh's PostingPool.add estimates a posting's memory as this plus its strings' lengths.
_POSTING_OVERHEAD = 28 + 4 * 5 + 21 + 26 + 18 + 16 + 21
_STEM_MEMO_LIMIT = 200_000  # stemmed words remembered per analyzer before starting afresh
# Per analyzer (by id, with the analyzer kept alive beside it): how to index with it, or None.
_fast_fields: dict[int, tuple[object, Callable[[str], list[tuple]] | None]] = {}


def _fast_index_for(field: FieldType) -> Callable[[str], list[tuple]] | None:
    """A function giving what ``field.index(value)`` gives for a string, or None where the
    field is not a plain StemmingAnalyzer into Positions (then Whoosh's own code runs)."""
    analyzer = field.analyzer
    known = _fast_fields.get(id(analyzer))
    if known is not None and known[0] is analyzer:
        index = known[1]
    else:
        index = _make_fast_index(analyzer)
        if len(_fast_fields) > 1000:  # schemas come and go with index generations
            _fast_fields.clear()
        _fast_fields[id(analyzer)] = (analyzer, index)
    # The format's boost is applied per call: it belongs to the field, not the analyzer.
    if index is None or type(field.format) is not Positions:
        return None
    return partial(index, boost=field.format.field_boost)


def _make_fast_index(analyzer: object) -> Callable[..., list[tuple]] | None:
    if type(analyzer) is not CompositeAnalyzer or len(analyzer.items) != 4:
        return None
    tokenizer, lower, stop, stemmer = analyzer.items
    if not (
        type(tokenizer) is RegexTokenizer
        and not tokenizer.gaps
        and type(lower) is LowercaseFilter
        and type(stop) is StopFilter
        and stop.renumber
        and type(stemmer) is StemFilter
    ):
        return None
    expression = tokenizer.expression
    if expression.pattern == default_pattern.pattern and expression.flags == default_pattern.flags:
        # The same matches without the capturing group, so findall gives whole matches (and
        # without the optional dot, which made the engine backtrack at every word's end).
        tokens = re.compile(r"[\w\*]+(?:\.[\w\*]+)*", expression.flags).findall
    else:
        finditer = expression.finditer

        def tokens(value: str) -> list[str]:
            return [match.group(0) for match in finditer(value)]

    stops, minsize, maxsize = stop.stops, stop.min, stop.max
    stem_word, ignore = stemmer._stem, stemmer.ignore
    terms: dict[str, bytes | None] = {}  # token as written -> its term, None for a stop word

    def term_of(token: str) -> bytes | None:
        text = token.lower()
        size = len(text)
        if size < minsize or (maxsize is not None and size > maxsize) or text in stops:
            term = None
        else:
            term = (text if text in ignore else stem_word(text)).encode("utf-8")
        if len(terms) >= _STEM_MEMO_LIMIT:
            terms.clear()
        terms[token] = term
        return term

    def index(value: str, boost: float) -> list[tuple]:
        get = terms.get
        found = [term_of(t) if (term := get(t, False)) is False else term for t in tokens(value)]
        first = 0
        if None in found:
            # StopFilter(renumber=True): the first word keeps its place, the rest follow on.
            first = next(n for n, term in enumerate(found) if term is not None) if any(found) else 0
            found = [term for term in found if term is not None]
        positions: dict[bytes, int | list[int]] = {}
        for pos, term in enumerate(found, first):
            seen = positions.get(term)
            if seen is None:
                positions[term] = pos
            elif seen.__class__ is int:
                positions[term] = [seen, pos]
            else:
                seen.append(pos)
        items = []
        for term, seen in positions.items():
            # Positions.encode: the count, then the pickled deltas. (A new bytes object each
            # time, as Whoosh makes: a block's pickle would store a shared one only once.)
            if seen.__class__ is int:
                items.append((term, 1, boost, pack_uint(1) + dumps([seen], 2)))
            else:
                deltas = [b - a for a, b in zip([0, *seen[:-1]], seen, strict=True)]
                vbytes = pack_uint(len(deltas)) + dumps(deltas, 2)
                items.append((term, len(seen), float(len(seen)) * boost, vbytes))
        return items

    return index


def _add_document(self: SegmentWriter, **fields: Any) -> None:
    """SegmentWriter.add_document, with text fields indexed by _fast_index_for where it can,
    and postings appended to the pool in bulk. Otherwise line for line Whoosh's."""
    self._check_state()
    perdocwriter = self.perdocwriter
    schema = self.schema
    docnum = self.docnum
    pool = self.pool
    docboost = self._doc_boost(fields)
    fieldnames = sorted(name for name in fields if not name.startswith("_"))
    self._check_fields(schema, fieldnames)
    vbytes = None  # Whoosh gives spelling postings the last value bytes seen: so do we
    perdocwriter.start_doc(docnum)
    try:
        for fieldname in fieldnames:
            value = fields.get(fieldname)
            if value is None:
                continue
            field = schema[fieldname]
            length = 0
            if field.indexed:
                fieldboost = self._field_boost(fields, fieldname, docboost)
                fast = _fast_index_for(field) if isinstance(value, str) else None
                items = fast(value) if fast else field.index(value)
                postings = []
                size = 0
                for tbytes, freq, weight, vbytes in items:
                    if not isinstance(tbytes, bytes) or not isinstance(vbytes, bytes | None):
                        raise TypeError(f"{fieldname}: term {tbytes!r}, value {vbytes!r} not bytes")
                    length += freq
                    size += 2 * len(tbytes) + len(vbytes or b"")
                    postings.append((fieldname, tbytes, docnum, weight * fieldboost, vbytes))
                if not field.scorable:
                    length = 0
                if postings:
                    pool.fieldnames.add(fieldname)
                    pool.current.extend(postings)
                    pool.currentsize += size + len(postings) * (_POSTING_OVERHEAD + len(fieldname))
                    if pool.currentsize > pool.limit:
                        pool.save()
            if field.separate_spelling():
                spellfield = field.spelling_fieldname(fieldname)
                for word in field.spellable_words(value):
                    pool.add((spellfield, word.encode("utf-8"), 0, 1, vbytes))
            if field.vector:
                vitems = field.vector.word_values(value, field.analyzer, mode="index")
                vitems = sorted((text, weight, vb) for text, _, weight, vb in vitems)
                perdocwriter.add_vector_items(fieldname, field, vitems)
            customval = fields.get(f"_stored_{fieldname}", value)
            perdocwriter.add_field(fieldname, field, customval if field.stored else None, length)
            column = field.column_type
            if column and customval is not None:
                perdocwriter.add_column_value(fieldname, column, field.to_column_value(customval))
    except Exception:
        perdocwriter.cancel_doc()
        raise
    perdocwriter.finish_doc()
    self._added = True
    self.docnum += 1


def _lengths_of(lengths: Any, fieldname: str) -> list[int | None] | None:
    """Every document's length in one field, as ``lengths.doc_field_length`` gives it."""
    if lengths is None:
        return None
    count = lengths.doc_count_all()
    cached = getattr(lengths, "_cached_reader", None)
    column = cached(_lenfield(fieldname), LENGTHS_COLUMN) if cached else None
    if cached and column is None:
        return [0] * (count + 1)  # no lengths kept for this field: the default
    data = column if isinstance(column, bytes) else _column_bytes(column)
    if data is None:
        return [lengths.doc_field_length(n, fieldname) for n in range(count)] + [None]
    decoded = [None] + [byte_to_length(b) for b in range(1, 256)]
    return [decoded[b] for b in data] + [None]  # docnum == count is let through by Whoosh


def _add_postings(self: W3FieldWriter, schema: Any, lengths: Any, items: Iterable[tuple]) -> None:
    """FieldWriter.add_postings with the documents' lengths read once per field and each
    posting appended to its block directly (W3PostingsWriter.add_posting's bookkeeping); the
    long lists' documents also go to the segment's bitset file (see BitsetWriter)."""
    lastfn = lasttext = None
    table: list[int | None] | None = None
    writer = None
    bitsets = BitsetWriter(self, lengths.doc_count_all()) if lengths is not None else None
    term_ids: list[int] = []

    def end_term() -> None:  # the term just written: its info, and its bitset if it is long
        self.finish_term()
        if bitsets:
            bitsets.add(lastfn, lasttext, term_ids)

    for fieldname, btext, docnum, weight, value in items:
        if lastfn is not None and fieldname < lastfn:
            raise OutOfOrderError(f"Field {lastfn!r} .. {fieldname!r}")
        if fieldname == lastfn and lasttext and btext < lasttext:
            raise OutOfOrderError(f"Term {lastfn}:{lasttext!r} .. {fieldname}:{btext!r}")
        if fieldname != lastfn:
            if lasttext is not None:
                end_term()
            if lastfn is not None:
                self.finish_field()
            self.start_field(fieldname, schema[fieldname])
            table = _lengths_of(lengths, fieldname)
            lastfn, lasttext = fieldname, None
        if docnum == -1:  # Whoosh's marker for spelling words: not postings
            continue
        if btext != lasttext:
            if lasttext is not None:
                end_term()
            self.start_term(btext)
            lasttext = btext
            writer = self._postwriter
            term_ids = []
        term_ids.append(docnum)
        length = table[docnum] if table is not None else 0
        if len(writer._ids) >= writer._blocklimit:
            writer._write_block()
        writer._ids.append(docnum)
        writer._weights.append(weight)
        if weight > writer._maxweight:
            writer._maxweight = weight
        if value:
            writer._values.append(value)
        if length:
            if writer._minlength is None or length < writer._minlength:
                writer._minlength = length
            if length > writer._maxlength:
                writer._maxlength = length
    if lasttext is not None:
        end_term()
    if lastfn is not None:
        self.finish_field()
    if bitsets:
        bitsets.close()


# -- 4. bitsets kept with the segment ----------------------------------------------------------

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


def install_fast_writer() -> None:
    """Make every SegmentWriter in this process use the fast paths (idempotent)."""
    SegmentWriter.add_document = _add_document
    W3FieldWriter.add_postings = _add_postings
