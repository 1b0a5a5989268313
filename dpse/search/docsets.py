"""Sets of matching documents as bitsets: exact totals, facet counts and date order without
Whoosh's per-document collectors (the segment-level work is in whoosh_speedups)."""

from __future__ import annotations

import heapq
import re
from collections import Counter
from itertools import chain

from whoosh import query
from whoosh.reading import IndexReader
from whoosh.searching import Searcher

from dpse.search.whoosh_speedups.segment_sets import SegmentSets, bits_of, flags_of

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


def _best(counted: dict[str, int], limit: int) -> dict[str, int]:
    """The ``limit`` most frequent values, ties by value: only those reaching the
    ``limit``-th count are sorted (a facet of 3,000 tags has about 2,000 values counted)."""
    if len(counted) > limit > 0:
        cutoff = heapq.nlargest(limit, counted.values())[-1]
        counted = {value: n for value, n in counted.items() if n >= cutoff}
    best = sorted(counted.items(), key=lambda item: (-item[1], item[0]))[:limit]
    return dict(best)


class DocSet:
    """The documents matching a query across the searcher's segments."""

    def __init__(self, searcher: Searcher, q: query.Query) -> None:
        self.parts: list[tuple[SegmentSets, int]] = []
        self.offsets: list[int] = []
        self._docnums: list[list[int]] | None = None
        for sub, offset in searcher.leaf_searchers():
            sets = SegmentSets(sub.reader())
            self.parts.append((sets, query_bits(q, sub, sets)))
            self.offsets.append(offset)

    def __len__(self) -> int:
        return sum(bits.bit_count() for _, bits in self.parts)

    def docnums(self) -> list[int]:
        """Every matching document's global number, in order (use for small sets)."""
        found: list[int] = []
        for docnums, offset in zip(self._segment_docnums(), self.offsets, strict=True):
            found += [docnum + offset for docnum in docnums]
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

    def top_counts(self, fieldname: str, limit: int) -> dict[str, int]:
        """The ``limit`` values of a field most frequent among the documents, with their exact
        counts (ties broken by value), in time that does not grow with how many values the
        field has: few matches are counted document by document through the segment's
        forward lists; many are counted value by value, most frequent in the whole index
        first, stopping once no value left could reach the counts already found (a value's
        count here is at most its document frequency)."""
        if self._few_values(fieldname):
            return _best(self._counts_by_value(fieldname), limit)
        total = len(self)
        if total <= FORWARD_COUNT_LIMIT:
            return _best(self._counts_by_document(fieldname), limit)
        frequency: dict[str, int] = {}
        for sets, bits in self.parts:
            if bits:
                for value, n in sets.frequencies(fieldname).items():
                    frequency[value] = frequency.get(value, 0) + n
        found: list[tuple[int, str]] = []  # (count, value), the best ``limit`` so far
        for value in sorted(frequency, key=lambda v: (-frequency[v], v)):
            if len(found) >= limit and frequency[value] < found[-1][0]:
                break  # neither this value nor any after it can take a place
            n = sum(
                (bits & sets.term(fieldname, value)).bit_count()
                for sets, bits in self.parts
                if bits
            )
            if n and value:
                found.append((n, value))
                found.sort(key=lambda item: (-item[0], item[1]))
                del found[limit:]
        return {value: n for n, value in found}

    def _segment_docnums(self) -> list[list[int]]:
        """Each segment's matching document numbers (local), found once per DocSet: the
        search page counts six facets over the same matches."""
        if self._docnums is None:
            self._docnums = [
                [m.start() for m in _ONE.finditer(flags_of(bits, sets.size))] if bits else []
                for sets, bits in self.parts
            ]
        return self._docnums

    def _few_values(self, fieldname: str) -> bool:
        """Whether the field has one value per document, of few kinds, in every segment with
        matches (type, sector, country, outcome, year: a column of one-byte references)."""
        parts = [sets.refs(fieldname) for sets, bits in self.parts if bits]
        return all(refs is not None and len(refs[1]) <= FEW_VALUES for refs in parts)

    def _counts_by_value(self, fieldname: str) -> dict[str, int]:
        """Each value's count as one intersection of two bitsets (the matches and the value's
        documents, cached per segment): time that grows with neither the number of matches
        nor, beyond FEW_VALUES, the values (a Counter over the matches' references took 10 ms
        at 3,000 matches of S10's 221,000 documents)."""
        counted: Counter[str] = Counter()
        for sets, bits in self.parts:
            refs = sets.refs(fieldname) if bits else None
            if refs is None:
                continue
            for value in refs[1]:
                if value and (n := (bits & sets.term(fieldname, value)).bit_count()):
                    counted[value] += n
        return dict(counted)

    def _counts_by_document(self, fieldname: str) -> dict[str, int]:
        counted: Counter[str] = Counter()
        for (sets, bits), docnums in zip(self.parts, self._segment_docnums(), strict=True):
            if not bits:
                continue
            refs = sets.refs(fieldname)
            if refs is not None:
                # One value per document: its column of one-byte references already says it
                # (turning it around as below took 3.9 MB per field and segment at S10, and
                # six such fields overflowed the cache, rebuilt at every search: 2 s).
                column, names = refs
                by_ref = Counter(map(column.__getitem__, docnums))
                for value, ref in names.items():
                    if value and by_ref.get(ref):
                        counted[value] += by_ref[ref]
                continue
            values, per_doc = sets.forward(fieldname)
            positions = Counter(chain.from_iterable(map(per_doc.__getitem__, docnums)))
            # Named in one pass (values are unique within a segment); Counter.update adds.
            named = zip(map(values.__getitem__, positions), positions.values(), strict=True)
            counted.update(dict(named))
        counted.pop("", None)
        return dict(counted)


# Up to this many matches a facet is counted document by document (a tuple read each), above
# it value by value (a bitset intersection each, for the few values that can rank).
FORWARD_COUNT_LIMIT = 20_000
# A one-value field with at most this many values is counted value by value whatever the matches.
FEW_VALUES = 64
