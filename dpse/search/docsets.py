"""Sets of matching documents as bitsets: exact totals, facet counts and date order without
Whoosh's per-document collectors (the segment-level work is in whoosh_speedups)."""

from __future__ import annotations

import re

from whoosh import query
from whoosh.reading import IndexReader
from whoosh.searching import Searcher

from dpse.search.whoosh_speedups.segment_sets import SegmentSets, bits_of

_ONE = re.compile(b"\x01")  # a matching document in a bitset's bytes


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
    return bits_of(matcher.all_ids(), sets.size) & sets.live


def query_bits(
    q: query.Query, searcher: Searcher, sets: SegmentSets, within: int | None = None
) -> int:
    """The live documents of one segment matching a query (``searcher`` is that segment's).
    With ``within``, the answer need only be exact among those documents (callers intersect
    with it): an AND passes down what its rarer parts left, so common words' long posting
    lists are read only where that could still match."""
    if isinstance(q, query.Term):
        return sets.term(q.fieldname, q.text, within)
    if isinstance(q, query.NullQuery.__class__):
        return 0
    if isinstance(q, query.Every):
        return sets.live if q.fieldname in (None, "", "*") else _matcher_bits(q, searcher, sets)
    if isinstance(q, query.WrappingQuery):  # ConstantScoreQuery among them (Not is not one)
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
        self.offsets: list[int] = []
        for sub, offset in searcher.leaf_searchers():
            sets = SegmentSets(sub.reader())
            self.parts.append((sets, query_bits(q, sub, sets)))
            self.offsets.append(offset)

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
