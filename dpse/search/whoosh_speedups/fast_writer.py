"""The fast writer: Whoosh's SegmentWriter.add_document and W3FieldWriter.add_postings, faster.

For the fields analysed by a plain ``StemmingAnalyzer`` into ``Positions`` (every text field
here), ``SegmentWriter.add_document`` computes the same terms, frequencies, weights and encoded
positions in one loop over the regular expression's matches, instead of a generator chain of
four filters with a ``Token`` object per word; and the segment's posting lists are written with
the documents' field lengths read into memory once, instead of a column read per posting.
Every other field, and any other analyzer or format, goes through Whoosh's own code. The index
files are byte for byte Whoosh's (tests/search/test_tuning.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import partial
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
from whoosh.system import pack_uint
from whoosh.util.numeric import byte_to_length
from whoosh.writing import SegmentWriter

from dpse.search.whoosh_speedups.bitset_files import BitsetWriter
from dpse.search.whoosh_speedups.lengths import column_bytes

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
    data = column if isinstance(column, bytes) else column_bytes(column)
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


def install_fast_writer() -> None:
    """Make every SegmentWriter in this process use the fast paths (idempotent)."""
    SegmentWriter.add_document = _add_document
    W3FieldWriter.add_postings = _add_postings
