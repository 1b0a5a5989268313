"""Ranking: the best matches by Whoosh's own BM25F scores, computed from posting lists."""

from __future__ import annotations

import heapq
import re
from bisect import bisect_left
from dataclasses import dataclass

from whoosh import query
from whoosh.collectors import TimeLimit, TimeLimitCollector
from whoosh.searching import Searcher
from whoosh.util.numeric import byte_to_length, length_to_byte

from dpse.search.docsets import DocSet
from dpse.search.parsing import has_phrase, negated
from dpse.search.schema import TEXT_FIELDS
from dpse.search.spelling import MAX_SUGGEST_WORDS
from dpse.search.whoosh_speedups.segment_sets import SegmentSets, flags_of

TIME_LIMIT = 1.0  # seconds of collecting before we answer with what we have
MANY_WORDS_TIME_LIMIT = 0.15  # the same for queries of more than MAX_SUGGEST_WORDS words
SPARSE = 8  # rank_by_postings looks matches up when a list is this many times longer
SCORE_SLACK = 1e-9  # pruning keeps documents this close (relatively) below the threshold
DELETED_SLACK = 5  # extra top results collected, in case deleted ones have to be dropped
_ONE = re.compile(b"\x01")  # a matching document in a bitset's bytes


def scored_terms(q: query.Query) -> list[tuple[str, str]]:
    """The (field, text) terms whose scores add up to a document's score: the text fields'
    words, not the excluded ones (filters score 0)."""
    excluded = {term for node in negated(q) for term in node.iter_all_terms()}
    return sorted({t for t in q.iter_all_terms() if t not in excluded and t[0] in TEXT_FIELDS})


def ranked(
    searcher: Searcher, q: query.Query, matches: DocSet, limit: int
) -> tuple[list[int], bool]:
    """The ``limit`` best matches, and whether ranking them ran out of time (phrases only)."""
    if not has_phrase(q):
        return rank_by_postings(searcher, q, matches, limit), False
    # Phrases: Whoosh scores them by their positions, with a time limit.
    many_words = len({text for _, text in q.iter_all_terms()}) > MAX_SUGGEST_WORDS
    collector = searcher.collector(limit=limit + DELETED_SLACK)
    timed = TimeLimitCollector(
        collector, timelimit=MANY_WORDS_TIME_LIMIT if many_words else TIME_LIMIT, use_alarm=False
    )
    timed_out = False
    try:
        searcher.search_with_collector(q, timed)
    except TimeLimit:
        timed_out = True
    return _live([docnum for _, docnum in timed.results().top_n], searcher)[:limit], timed_out


@dataclass
class _ScoredTerm:
    """One (field, word) of a query with what scoring it needs: Whoosh's BM25F for it is
    ``idf * w * (k1 + 1) / (w + norm[length byte])`` for a posting of weight ``w``."""

    name: str
    text: str
    idf: float
    norm: list[float]
    k1p: float
    bound: float = 0.0  # the most it adds to a document's score in the current segment

    def score(self, weight: float, length_byte: int) -> float:
        return self.idf * ((weight * self.k1p) / (weight + self.norm[length_byte]))


def rank_by_postings(searcher: Searcher, q: query.Query, matches: DocSet, limit: int) -> list[int]:
    """The ``limit`` best matches by Whoosh's BM25F scores, computed from posting lists.

    Whoosh's matchers spend microseconds of Python on every posting of a common word; here a
    posting is one step of a loop over decoded arrays, the field lengths a preloaded byte
    string and the length part of BM25 a 256-entry table. And most postings of a common word
    are never read: each segment's words are taken best-first by the most they can add to a
    score (max-score pruning: Whoosh keeps each list's highest weight and shortest length);
    once the words left could not lift an unseen document to the current tenth-best score,
    only the documents that can still reach it are looked up in the remaining lists. A word
    in most documents at 100,000 documents (~120,000 postings over four fields) needs its
    title and summary lists, and a few blocks of its body list.

    Scores are summed per document in the order Whoosh's AND and OR matchers sum them (the
    finalists are summed again in that order), so they are Whoosh's own to the last bit; ties
    go to the lower document number, as in Whoosh's collector.
    """
    weighting = searcher.weighting
    k1 = weighting.K1
    terms = []
    for name, text in scored_terms(q):
        b = weighting._field_B.get(name, weighting.B)
        avgfl = searcher.avg_field_length(name) or 1
        # The same arithmetic as whoosh.scoring.bm25, so the scores are Whoosh's own.
        norm = [k1 * ((1 - b) + b * (byte_to_length(n) or 1) / avgfl) for n in range(256)]
        terms.append(_ScoredTerm(name, text, searcher.idf(name, text), norm, k1 + 1))
    scores: dict[int, float] = {}
    for (sets, bits), offset in zip(matches.parts, matches.offsets, strict=True):
        if bits:
            best = heapq.nlargest(limit, scores.values())
            floor = best[-1] if len(best) == limit else None
            found = _rank_segment(sets, bits, terms, limit, floor)
            scores.update({docnum + offset: score for docnum, score in found.items()})
    top = _best(scores, limit)
    if len(top) < limit:  # matches without a scored word (only filters): after, in order
        top += [d for d in matches.docnums() if d not in scores][: limit - len(top)]
    return top


def _rank_segment(
    sets: SegmentSets, bits: int, terms: list[_ScoredTerm], limit: int, floor: float | None
) -> dict[int, float]:
    """Exact scores of every document of one segment that can be among the ``limit`` best
    (``floor``: the lowest score of the best ``limit`` in earlier segments, if known)."""
    flags = flags_of(bits, sets.size)
    matched: list[int] | None = None
    present = []
    for term in terms:
        weight, length = sets.bound(term.name, term.text)
        if weight:
            term.bound = term.score(weight, length_to_byte(length or 1))
            present.append(term)
    present.sort(key=lambda t: -t.bound)
    left = sum(t.bound for t in present)
    partial: dict[int, float] = {}  # documents -> the sum of the words' scores so far
    candidates: list[int] | None = None  # None: any matching document may still make it
    weights: dict[int, dict[int, float]] = {}  # id(term) -> the weights read (lookups)
    arrays: dict[int, tuple] = {}  # id(term) -> whole (ids, weights) lists read
    field_lengths = {name: sets.lengths(name) for name in {t.name for t in present}}
    seeded = _seed(sets, bits, present, limit, floor, field_lengths)
    if seeded is not None:
        candidates, floor = seeded
        partial = dict.fromkeys(candidates, 0.0)
    for term in present:
        left -= term.bound
        lengths = field_lengths[term.name]
        if candidates is None:
            if matched is None and bits.bit_count() * SPARSE < sets.reader.doc_frequency(
                term.name, term.text
            ):
                matched = [m.start() for m in _ONE.finditer(flags)]
            if matched is not None:  # few matches, a long list: look each one up
                found = weights[id(term)] = sets.weights_of(term.name, term.text, matched)
                pairs = found.items()
            else:
                ids, term_weights = arrays[id(term)] = sets.postings(term.name, term.text)
                pairs = zip(ids, term_weights, strict=True)
            get = partial.get
            for docnum, weight in pairs:
                if flags[docnum]:
                    partial[docnum] = get(docnum, 0.0) + term.score(weight, lengths[docnum])
            pool = partial
        else:
            found = weights[id(term)] = sets.weights_of(term.name, term.text, candidates)
            for docnum, weight in found.items():
                partial[docnum] += term.score(weight, lengths[docnum])
            pool = {docnum: partial[docnum] for docnum in candidates}
        threshold = _threshold(pool, limit, floor)
        if threshold is None:
            continue
        if candidates is not None or left < threshold * (1 - SCORE_SLACK):
            # No document outside these can reach the threshold any more.
            reach = threshold * (1 - SCORE_SLACK) - left
            candidates = sorted(d for d, score in pool.items() if score >= reach)
    finalists = list(partial) if candidates is None else candidates
    threshold = _threshold({d: partial[d] for d in finalists}, limit, floor)
    if threshold is not None:
        finalists = [d for d in finalists if partial[d] >= threshold * (1 - SCORE_SLACK)]
    return {docnum: _exact(docnum, terms, weights, arrays, field_lengths) for docnum in finalists}


def _seed(
    sets: SegmentSets,
    bits: int,
    present: list[_ScoredTerm],
    limit: int,
    floor: float | None,
    field_lengths: dict[str, bytes],
) -> tuple[list[int], float] | None:
    """Where a query's words are common, the documents that can still reach the ``limit``
    best, found from bitsets before any long posting list is read; and a score that many
    documents reach at least (the new floor). None where this does not apply.

    A word in most documents (at S10, "council" is in 3,000 titles, 7,000 summaries and
    14,000 bodies of a 106,000-document segment) used to have its title and summary lists
    scored whole before max-score pruning could start. Here a few documents having the most
    of the words (all of them, else all but the weakest, and so on) are scored first: their
    ``limit``-th best score is a floor no result falls below. A document's score is at most
    the sum of the bounds of the words it has, and the documents having a given set of words
    are an intersection of cached bitsets; so the candidates are the union, over the least
    sets of words whose bounds reach the floor, of their intersections. The usual pruning
    then looks them up word by word, for exact scores.
    """
    if not 2 <= len(present) <= SEED_WORDS or limit < 1 or bits.bit_count() < SEED_MATCHES:
        return None  # (few matches: the usual path looks each one up, which is cheap)
    postings = sum(sets.reader.doc_frequency(t.name, t.text) for t in present)
    if postings < SEED_POSTINGS:
        return None  # short lists: scoring them is cheap as it is
    word_bits = [sets.term(t.name, t.text) & bits for t in present]
    wanted = max(SEED_SAMPLE, limit)  # at least ``limit``: that many reach the floor
    sample: list[int] = []
    kept = list(range(len(present)))  # present is strongest first: drop from the end
    while kept and len(sample) < wanted:
        taken = set(sample)
        for m in _ONE.finditer(flags_of(_having(bits, word_bits, kept), sets.size)):
            if len(sample) == wanted:
                break
            if m.start() not in taken:
                sample.append(m.start())
        kept.pop()
    if len(sample) < limit:
        return None
    sample.sort()
    scores = dict.fromkeys(sample, 0.0)
    for term in present:
        lengths = field_lengths[term.name]
        for docnum, weight in sets.weights_of(term.name, term.text, sample).items():
            scores[docnum] += term.score(weight, lengths[docnum])
    reached = heapq.nlargest(limit, scores.values())[-1]
    if floor is not None:
        reached = max(reached, floor)
    reach = reached * (1 - SCORE_SLACK)
    least: list[int] = []  # the least sets of words (bit masks) whose bounds reach it
    for chosen in sorted(range(1, 1 << len(present)), key=int.bit_count):
        if any(chosen & smaller == smaller for smaller in least):
            continue  # its documents are among a smaller set's
        if sum(t.bound for i, t in enumerate(present) if chosen >> i & 1) >= reach:
            least.append(chosen)
    found = 0
    for chosen in least:
        found |= _having(bits, word_bits, [i for i in range(len(present)) if chosen >> i & 1])
    if found.bit_count() * len(present) * SEED_GAIN > postings:
        return None  # a low floor: looking up so many costs more than reading the lists
    candidates = [m.start() for m in _ONE.finditer(flags_of(found, sets.size))]
    return candidates, reached


def _having(bits: int, word_bits: list[int], chosen: list[int]) -> int:
    """The matches having every one of the chosen words (indexes into ``word_bits``)."""
    for i in chosen:
        bits &= word_bits[i]
    return bits


# Measured at S10 on 13 queries, results identical: common words ranked 1.4-2.5x faster (a
# page of "council" 6.8 -> 2.8 ms, "accessibility" 12.4 -> 6.4); queries of several words (more
# scored words, lower floors) and queries with few matches did not gain, and lost up to 3 ms to
# the bitsets' cost, hence the limits below (with them they run as before, within 0.3 ms).
SEED_WORDS = 4  # up to this many scored words (a word's text fields), candidates from bitsets
SEED_MATCHES = 5000  # ... when the segment has at least this many matches
SEED_POSTINGS = 10_000  # ... when the words' lists in a segment hold at least this many postings
SEED_GAIN = 4  # ... and the candidates' look-ups are a quarter of those postings at most
SEED_SAMPLE = 64  # documents having the most of the words, scored first for the floor


def _threshold(scores: dict[int, float], limit: int, floor: float | None) -> float | None:
    """The lowest of the ``limit`` best scores among these and earlier segments' best."""
    best = heapq.nlargest(limit, scores.values())
    if floor is not None:
        # The floor stands for `limit` documents scoring at least that much.
        return heapq.nlargest(limit, [*best, *[floor] * limit])[-1]
    return best[-1] if len(best) == limit else None


def _exact(
    docnum: int,
    terms: list[_ScoredTerm],
    weights: dict[int, dict[int, float]],
    arrays: dict[int, tuple],
    field_lengths: dict[str, bytes],
) -> float:
    """A document's score summed in the query's word order, as Whoosh sums it."""
    total = 0.0
    for term in terms:
        if id(term) in arrays:
            ids, term_weights = arrays[id(term)]
            i = bisect_left(ids, docnum)
            weight = term_weights[i] if i < len(ids) and ids[i] == docnum else None
        elif id(term) in weights:
            weight = weights[id(term)].get(docnum)
        else:
            continue  # not in this segment
        if weight is not None:
            total += term.score(weight, field_lengths[term.name][docnum])
    return total


def _best(scores: dict[int, float], limit: int) -> list[int]:
    """The ``limit`` highest-scoring documents, ties to the lower number (as Whoosh orders)."""
    top = heapq.nlargest(limit, scores, key=scores.__getitem__)
    if not top:
        return top
    floor = scores[top[-1]]
    tied = [docnum for docnum, score in scores.items() if score >= floor]
    return sorted(tied, key=lambda d: (-scores[d], d))[:limit]


def _live(docnums: list[int], searcher: Searcher) -> list[int]:
    """Leave out deleted documents: Whoosh's NOT can yield the deleted document just after its
    child's last match, and a deleted document may be something unpublished."""
    reader = searcher.reader()
    return [docnum for docnum in docnums if not reader.is_deleted(docnum)]
