"""The bitset counts and date order agree with Whoosh's own evaluation, segment by segment."""

from __future__ import annotations

import random
import zlib
from datetime import datetime, timedelta

import pytest
from whoosh import query, sorting
from whoosh.externalsort import SortingPool
from whoosh.filedb.filestore import FileStorage
from whoosh.writing import PostingPool

from dpse.search import ranking
from dpse.search.docsets import DocSet
from dpse.search.parsing import MAX_TERMS, make_parser, parse_user_query, prefer_union_tree
from dpse.search.ranking import rank_by_postings
from dpse.search.results import run_search
from dpse.search.schema import FACETS, TEXT_FIELDS, SearchDocument, make_schema
from dpse.search.search_request import SearchRequest
from dpse.search.whoosh_speedups import postings as posting_lists
from dpse.search.whoosh_speedups.lengths import preload_lengths
from dpse.search.whoosh_speedups.postings import posting_ids
from dpse.search.whoosh_speedups.segment_sets import (
    SegmentSets,
    bits_of,
    clear_cache,
    flags_of,
    from_flags,
)

WORDS = [
    "council",
    "drupal",
    "housing",
    "payments",
    "portal",
    "form",
    "map",
    "library",
    "parking",
    "bins",
]
TAGS = [("drupal", "Drupal"), ("open-data", "Open data"), ("gdpr", "GDPR")]


def _document(rng: random.Random, number: int) -> SearchDocument:
    kind = rng.choice(["case_study", "event", "thread", "post"])
    return SearchDocument(
        type=kind,
        id=number,
        title=" ".join(rng.choices(WORDS, k=4)),
        summary=" ".join(rng.choices(WORDS, k=12)),
        body=" ".join(rng.choices(WORDS, k=40)),
        url=f"/x/{number}",
        date=datetime(2020, 1, 1) + timedelta(hours=rng.randrange(40_000)),
        tags=rng.sample(TAGS, rng.randrange(4)),
        sector=rng.choice(["", "health", "local-government"]),
        country=rng.choice(["", "gb", "nl"]),
        outcome=rng.choice(["", "success", "failure"]) if kind == "case_study" else "",
    )


@pytest.fixture(scope="module")
def searcher(tmp_path_factory):
    """Three segments (three commits without merging), with deletions in two of them."""
    clear_cache()
    rng = random.Random(7)
    ix = FileStorage(str(tmp_path_factory.mktemp("ix"))).create_index(make_schema())
    number = 0
    for _ in range(3):
        writer = ix.writer()
        for _ in range(150):
            number += 1
            writer.add_document(**_document(rng, number).fields())
        writer.commit(merge=False)
    writer = ix.writer()
    for gone in range(3, number, 7):
        for kind in ("case_study", "event", "thread", "post"):
            writer.delete_by_term("key", f"{kind}:{gone}")
    writer.commit(merge=False)
    with ix.searcher() as s:
        assert len(s.leaf_searchers()) == 3
        assert s.doc_count() < s.doc_count_all()
        yield s


QUERIES = [
    "council",
    "council drupal",
    "council OR parking",
    "housing -bins",
    "NOT map",
    '"drupal portal"',
    "(council OR map) AND (bins OR form) -drupal",
    "nothingmatchesthis",
]


def _facets() -> sorting.Facets:
    facets = sorting.Facets()
    for name in FACETS:
        facets.add_field(name, maptype=sorting.Count)
    facets.add_facet("tags", sorting.FieldFacet("tags", allow_overlap=True, maptype=sorting.Count))
    return facets


@pytest.mark.parametrize("text", QUERIES)
@pytest.mark.parametrize("sector", ["", "health"])
@pytest.mark.parametrize("partial", [False, True], ids=["whole-lists", "partial-reads"])
def test_total_and_facet_counts_match_whoosh(searcher, text, sector, partial, monkeypatch):
    if partial:  # read only the blocks the candidates fall in, whatever the lists' lengths
        monkeypatch.setattr(posting_lists, "POSTING_BLOCK", 0.128)  # tiny blocks: partial reads
        monkeypatch.setattr(posting_lists, "PARTIAL_SHARE", 0)  # never "read it all instead"
        clear_cache()
    q = parse_user_query(text, searcher.schema)
    if sector:
        q = query.And([q, query.ConstantScoreQuery(query.Term("sector", sector), 0.0)])
    # The oracle: Whoosh's own matches, read one by one. Deleted documents are left out by hand,
    # as Whoosh's NOT can return the deleted document right after its child's last match.
    reader = searcher.reader()
    found = [h.docnum for h in searcher.search(q, limit=None) if not reader.is_deleted(h.docnum)]
    matches = DocSet(searcher, q)
    assert len(matches) == len(found)
    for name in (*FACETS, "tags"):
        expected: dict[str, int] = {}
        for docnum in found:
            for value in (searcher.stored_fields(docnum).get(name) or "").split(","):
                if value:
                    expected[value] = expected.get(value, 0) + 1
        assert matches.counts(name) == expected, name


def test_posting_and_column_readers_agree_with_whoosh(searcher):
    """whoosh_speedups decodes posting blocks itself and reads facets from their columns: every
    term's documents must be exactly Whoosh's own postings."""
    clear_cache()
    multi_block = 0
    for sub, _offset in searcher.leaf_searchers():
        reader = sub.reader()
        sets = SegmentSets(reader)
        assert all(sets.refs(name) is not None for name in FACETS)  # the column path is used
        for name in (*TEXT_FIELDS, *FACETS, "tags"):
            for raw in reader.lexicon(name):
                text = raw.decode("utf-8")
                expected = list(reader.postings(name, text).all_ids())  # live documents
                multi_block += len(expected) > 128
                ids, whole = posting_ids(reader, name, text)
                assert whole
                ours = [d for d in ids if not reader.is_deleted(d)]
                assert ours == expected, (name, text)
                bits = bits_of(expected, sets.size) & sets.live
                assert sets.term(name, text) == bits, (name, text)
    assert multi_block  # lists of several blocks were read


@pytest.mark.parametrize("size", [0, 1, 7, 8, 9, 1000, 221_000])
def test_bitsets_take_one_bit_per_document_and_read_back_exactly(size):
    """A bitset holds document n at bit n (an eighth of a byte each, whatever the layout of
    the flags it was built from), and reads back to the same documents."""
    rng = random.Random(size)
    ids = sorted(rng.sample(range(size), size // 3)) if size else []
    bits = bits_of(ids, size)
    assert bits == sum(1 << d for d in ids)
    assert bits.bit_count() == len(ids) and bits.bit_length() <= size
    flags = flags_of(bits, size)
    assert len(flags) == size and [d for d, flag in enumerate(flags) if flag] == ids
    assert from_flags(flags) == bits
    assert flags_of((1 << size) - 1, size) == b"\x01" * size  # every document, none lost


def test_partial_reads_skip_blocks_but_keep_every_candidate(tmp_path):
    rng = random.Random(5)
    ix = FileStorage(str(tmp_path)).create_index(make_schema())
    with ix.writer() as writer:
        for number in range(1, 800):
            writer.add_document(**_document(rng, number).fields())
    reader = ix.reader()
    full, whole = posting_ids(reader, "body", "council")
    assert whole and len(full) > 128 * 3  # more than three blocks
    candidates = [full[0], full[-1] + 1]  # one in the first block, one past every block's ids
    part, whole = posting_ids(reader, "body", "council", candidates)
    assert full[0] in part and set(part) <= set(full)
    assert not whole and len(part) < len(full)  # the blocks between were not decoded
    everywhere, whole = posting_ids(reader, "body", "council", full[::128])
    assert whole and everywhere == full  # most blocks wanted: all read (and cached)
    reader.close()


def test_negation_never_shows_a_deleted_document(searcher):
    reader = searcher.reader()
    # The Whoosh bug this guards against, in this very index:
    raw = searcher.search(make_parser(searcher.schema).parse("NOT map"), limit=None)
    assert any(reader.is_deleted(hit.docnum) for hit in raw)
    shown_any = 0
    for text in ("NOT map", "NOT council", "-bins", "council -nothingmatches"):
        result = run_search(searcher, SearchRequest(q=text))
        shown = {hit.url for hit in result.hits}
        deleted = {
            searcher.stored_fields(d)["url"]
            for d in range(reader.doc_count_all())
            if reader.is_deleted(d)
        }
        assert deleted and not shown & deleted, text
        assert result.total >= len(result.hits)
        shown_any += len(shown)
    assert shown_any


@pytest.mark.parametrize("text", ["council", "nothingmatchesthis", "*"])
def test_newest_matches_whooshs_date_order(searcher, text):
    q = query.Every() if text == "*" else parse_user_query(text, searcher.schema)
    expected = searcher.search(q, limit=None, sortedby="date", reverse=True)
    dates = [hit["date"] for hit in expected][:25]
    got = [searcher.stored_fields(d)["date"] for d in DocSet(searcher, q).newest("date", 25)]
    assert got == dates


def test_preloaded_lengths_give_the_same_ranking(tmp_path):
    rng = random.Random(3)
    ix = FileStorage(str(tmp_path)).create_index(make_schema())
    with ix.writer() as writer:
        for number in range(1, 300):
            writer.add_document(**_document(rng, number).fields())
    q = parse_user_query("council housing", ix.schema)
    with ix.searcher() as plain:
        before = [(hit.docnum, round(hit.score, 6)) for hit in plain.search(q, limit=20)]
    with ix.searcher() as fast:
        preload_lengths(fast, TEXT_FIELDS)
        after = [(hit.docnum, round(hit.score, 6)) for hit in fast.search(q, limit=20)]
    assert after == before and len(before) == 20


def test_search_page_totals_pages_and_newest_first(searcher):
    everything = run_search(searcher, SearchRequest(q=""))
    assert everything.total == searcher.doc_count()
    dates = [hit.date for hit in everything.hits]
    assert dates == sorted(dates, reverse=True) and len(dates) == 10
    second = run_search(searcher, SearchRequest(q="", page=2))
    assert second.hits[0].date <= dates[-1]
    assert {h.url for h in second.hits}.isdisjoint(h.url for h in everything.hits)
    council = run_search(searcher, SearchRequest(q="council", sector="health"))
    assert all(c.count <= council.total for c in council.facets["type"])
    assert sum(c.count for c in council.facets["type"]) == council.total
    assert [c.value for c in council.facets["sector"]] == ["health"]


def _build(path, docs, *, spill: bool):
    path.mkdir()
    ix = FileStorage(str(path)).create_index(make_schema())
    writer = ix.writer(limitmb=0.05 if spill else 64)  # 0.05 MB: the pool spills many runs
    for doc in docs:
        writer.add_document(**doc.fields())
    writer.commit()
    return ix


def _postings(ix) -> dict:
    with ix.reader() as reader:
        return {
            (name, text): list(reader.postings(name, text).items_as("positions"))
            if name in ("title", "summary", "body", "tags_text")
            else list(reader.postings(name, text).all_ids())
            for name, text in reader.all_terms()
            if not name.startswith("spell_")
        }


def test_chunked_runs_write_the_same_index_as_whoosh(tmp_path, monkeypatch):
    rng = random.Random(11)
    docs = [_document(rng, n) for n in range(1, 400)]
    assert PostingPool._write_run is not SortingPool._write_run  # installed by dpse.search
    ours = _build(tmp_path / "ours", docs, spill=True)
    monkeypatch.setattr(PostingPool, "_write_run", SortingPool._write_run)
    monkeypatch.setattr(PostingPool, "_read_run", SortingPool._read_run)
    whooshs = _build(tmp_path / "whoosh", docs, spill=True)
    in_memory = _build(tmp_path / "memory", docs, spill=False)
    assert _postings(ours) == _postings(whooshs) == _postings(in_memory)
    q = parse_user_query("council housing", ours.schema)
    with ours.searcher() as a, whooshs.searcher() as b:
        assert [h["key"] for h in a.search(q, limit=30)] == [
            h["key"] for h in b.search(q, limit=30)
        ]


def test_over_long_text_searches_its_rarest_words_stemmed(searcher):
    reader = searcher.reader()
    text = " ".join(["councils"] * 10 + [f"filler{n}" for n in range(40)] + ["parking"])
    q = parse_user_query(text, searcher.schema, reader)
    words = {t for _, t in q.iter_all_terms()}
    assert len(words) == MAX_TERMS
    assert "council" not in words  # the most frequent word gives way to rarer ones
    q = parse_user_query(" ".join(["councils", "libraries"] * 60), searcher.schema, reader)
    assert {t for _, t in q.iter_all_terms()} == {"council", "librari"}


@pytest.mark.parametrize("sparse", [0, 10**9], ids=["looked-up", "scanned"])
@pytest.mark.parametrize("preload", [False, True], ids=["lengths-read", "lengths-preloaded"])
@pytest.mark.parametrize(
    "text", ["council", "council drupal", "housing -bins", "map OR bins", "gdpr parking"]
)
def test_rank_by_postings_gives_whooshs_top_and_scores(
    searcher, text, preload, sparse, monkeypatch
):
    monkeypatch.setattr(ranking, "SPARSE", sparse)  # each match looked up, or lists scanned
    if preload:
        preload_lengths(searcher, TEXT_FIELDS)
    q = prefer_union_tree(parse_user_query(text, searcher.schema))
    # Whoosh's own scores for every match, sorted: its top-N collector left the 22nd best
    # document of "council drupal" out of its top 25 here (optimize=False or not).
    scores = {hit.docnum: hit.score for hit in searcher.search(q, limit=None, optimize=False)}
    expected = sorted(scores, key=lambda d: (-scores[d], d))[:25]
    assert rank_by_postings(searcher, q, DocSet(searcher, q), 25) == expected


@pytest.mark.parametrize("sample", [4, 64])
@pytest.mark.parametrize("limit", [1, 10, 25, 100])
@pytest.mark.parametrize(
    "text", ["council", "council drupal", "housing -bins", "council OR parking", "gdpr parking"]
)
def test_candidates_from_bitsets_keep_whooshs_top_and_scores(
    searcher, text, limit, sample, monkeypatch
):
    """Seeding the pruning from bitsets (a floor from a few documents having every word, the
    candidates from the sets of words that can reach it) ranks exactly as Whoosh does: with a
    small sample (a low floor, many candidates) and with more documents wanted than sampled."""
    monkeypatch.setattr(ranking, "SEED_POSTINGS", 0)  # wherever two words or more are scored
    monkeypatch.setattr(ranking, "SEED_GAIN", 0)  # however many candidates
    monkeypatch.setattr(ranking, "SEED_MATCHES", 0)  # however few matches
    monkeypatch.setattr(ranking, "SEED_WORDS", 8)  # several words too
    monkeypatch.setattr(ranking, "SEED_SAMPLE", sample)
    seeded: list[bool] = []
    original = ranking._seed

    def spy(*args):
        found = original(*args)
        seeded.append(found is not None)
        return found

    monkeypatch.setattr(ranking, "_seed", spy)
    q = prefer_union_tree(parse_user_query(text, searcher.schema))
    scores = {hit.docnum: hit.score for hit in searcher.search(q, limit=None, optimize=False)}
    expected = sorted(scores, key=lambda d: (-scores[d], d))[:limit]
    assert rank_by_postings(searcher, q, DocSet(searcher, q), limit) == expected
    if text.startswith("council") and limit <= 25:  # common enough in this index
        assert any(seeded), "the bitset path was not taken"


def test_rank_by_postings_ranks_filter_only_matches_too(searcher):
    q = query.And([query.Every(), query.ConstantScoreQuery(query.Term("sector", "health"), 0.0)])
    matches = DocSet(searcher, q)
    assert rank_by_postings(searcher, q, matches, 10) == matches.docnums()[:10]


@pytest.mark.parametrize("limit", [1, 3, 10])
@pytest.mark.parametrize(
    "text", ["council", "council drupal", "map OR bins OR gdpr", "housing -bins"]
)
def test_pruned_ranking_reads_part_of_the_lists_and_keeps_whooshs_top(
    searcher, text, limit, monkeypatch
):
    q = prefer_union_tree(parse_user_query(text, searcher.schema))
    scores = {hit.docnum: hit.score for hit in searcher.search(q, limit=None, optimize=False)}
    expected = sorted(scores, key=lambda d: (-scores[d], d))[:limit]
    scored = []
    original = ranking._ScoredTerm.score

    def counting(term, weight, length_byte):
        scored.append(term.name)
        return original(term, weight, length_byte)

    monkeypatch.setattr(ranking._ScoredTerm, "score", counting)
    assert rank_by_postings(searcher, q, DocSet(searcher, q), limit) == expected
    reader = searcher.reader()
    postings = sum(reader.doc_frequency(*t) for t in ranking.scored_terms(q))
    # Max-score pruning: far fewer postings scored than the words' lists hold.
    assert len(scored) < postings * 0.8, (len(scored), postings)


def test_block_heads_are_the_blocks_ids_and_weights(searcher, monkeypatch):
    whole = posting_lists._block_data
    blocks, fell_back, compressed = 0, [], 0
    for sub, _ in searcher.leaf_searchers():
        terms = sub.reader()._terms
        for name, text in sub.reader().all_terms():
            info = terms.term_info(name, text)
            if info.is_inlined():
                continue
            offset, length = info.extent()
            raw = terms._postfile.get(offset, length if isinstance(length, int) else length[0])
            for start, end, compression, _ in posting_lists._block_spans(raw):
                monkeypatch.setattr(
                    posting_lists,
                    "_block_data",
                    lambda *a, name=name: fell_back.append(name) or whole(*a),
                )
                head = posting_lists._block_head(raw, start, end, compression)
                monkeypatch.setattr(posting_lists, "_block_data", whole)
                assert head == whole(raw, start, end, compression)[:2]
                if compression:  # the same block stored uncompressed (Whoosh's small blocks)
                    plain = zlib.decompress(raw[start:end])
                    assert posting_lists._block_head(plain, 0, len(plain), 0) == head
                blocks += 1
                compressed += bool(compression)
    assert blocks > 1000 and compressed
    # Text fields' blocks (with positions) are read by the fast path, never the fallback.
    assert fell_back and not set(fell_back) & set(TEXT_FIELDS)


MANY_TAGS = [(f"tag-{n:03d}", f"Tag {n}") for n in range(300)]


@pytest.fixture(scope="module")
def tagged_searcher(tmp_path_factory):
    """Three segments whose documents carry tags from a long tail (a few common, most rare),
    with deletions."""
    clear_cache()
    rng = random.Random(11)
    weights = [1 / (rank + 1) for rank in range(len(MANY_TAGS))]  # Zipf-like
    ix = FileStorage(str(tmp_path_factory.mktemp("tagged"))).create_index(make_schema())
    number = 0
    for _ in range(3):
        writer = ix.writer()
        for _ in range(200):
            number += 1
            document = _document(rng, number)
            picked = rng.choices(MANY_TAGS, weights, k=rng.randrange(6))
            document.tags = list(dict.fromkeys(picked))
            writer.add_document(**document.fields())
        writer.commit(merge=False)
    writer = ix.writer()
    for gone in range(5, number, 9):
        for kind in ("case_study", "event", "thread", "post"):
            writer.delete_by_term("key", f"{kind}:{gone}")
    writer.commit(merge=False)
    with ix.searcher() as s:
        yield s


@pytest.mark.parametrize("text", [*QUERIES, ""])
@pytest.mark.parametrize("path", ["by-document", "by-value", "one-value-bitsets"])
def test_top_counts_are_the_exact_top_of_all_counts(tagged_searcher, text, path, monkeypatch):
    """The search page's facets count only what can rank: the same top values, with the same
    counts and the same tie order, as counting every value (one-value facets of few values
    are counted by bitsets whatever the matches; the other paths count them too when their
    values are many)."""
    from dpse.search import docsets

    monkeypatch.setattr(docsets, "FORWARD_COUNT_LIMIT", 10**9 if path == "by-document" else 0)
    monkeypatch.setattr(docsets, "FEW_VALUES", 64 if path == "one-value-bitsets" else 0)
    q = parse_user_query(text, tagged_searcher.schema) if text else query.Every()
    matches = DocSet(tagged_searcher, q)
    for name in ("tags", *FACETS):
        everything = sorted(matches.counts(name).items(), key=lambda item: (-item[1], item[0]))
        for limit in (1, 3, 30, 500):
            assert list(matches.top_counts(name, limit).items()) == everything[:limit], (
                name,
                limit,
            )


def test_one_value_facets_are_counted_from_their_column_not_turned_around(
    tagged_searcher, monkeypatch
):
    """A facet with one value per document is counted by document straight from its column
    of references: only a field with several values per document (tags) builds per-document
    lists, which took 3.9 MB per field and segment at S10 and, for six facets, overflowed the
    bitset cache so every search rebuilt them (2 s)."""
    from dpse.search import docsets
    from dpse.search.whoosh_speedups import segment_sets

    clear_cache()
    matches = DocSet(tagged_searcher, query.Every())
    for few_values in (64, 0):  # by bitsets of values, else from the column by document
        monkeypatch.setattr(docsets, "FEW_VALUES", few_values)
        for name in ("tags", *FACETS):
            assert matches.top_counts(name, 30)  # a few documents: counted one by one
    built = {key[1] for key in segment_sets._cache._items if key[-1] == "forward"}
    assert built == {"tags"}
