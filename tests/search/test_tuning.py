"""The fast writer (fast_writer.install_fast_writer) writes exactly the index Whoosh's code does."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from whoosh.analysis import StandardAnalyzer, StemmingAnalyzer
from whoosh.codec.whoosh3 import W3FieldWriter
from whoosh.externalsort import SortingPool
from whoosh.fields import TEXT
from whoosh.filedb.filestore import FileStorage
from whoosh.writing import PostingPool, SegmentWriter

from dpse.search.schema import TEXT_FIELDS, SearchDocument, make_schema
from dpse.search.whoosh_speedups import bitset_files, fast_writer, segment_sets

# What the tokenizer, the lower-casing, the stop words and the stemmer each have to get right.
AWKWARD = [
    "",
    "the of and",  # only stop words
    "The council of the city",  # stop words first: the first word keeps its place
    "a I x council",  # words shorter than two letters
    "e.g. U.S.A. 3.14 v2.0.1 end. .start a..b trailing.",  # dots inside and around words
    "wild* *cards a*b ** *",  # the default pattern counts * as a word character
    "Café STRASSE straße İstanbul ǅemal ﬁnance Ωmega naïve",  # lower-casing beyond ASCII
    "running runs ran runner connection connected connecting",  # the stemmer
    "drupal, Drupal; DRUPAL! drupal's drupal-based drupal_8",  # one word, many spellings
    "under_score 42 007 1e10 ½ ² ٣",  # digits of several scripts
    "tab\tnew\nline\r\nspaces   many",
]


def _texts(rng: random.Random, count: int) -> list[str]:
    words = [w for text in AWKWARD for w in text.split()] + ["council", "housing", "map"] * 5
    return [" ".join(rng.choices(words, k=rng.randrange(0, 60))) for _ in range(count)]


@pytest.mark.parametrize(
    "field",
    [
        *(make_schema()[name] for name in TEXT_FIELDS),
        TEXT(analyzer=StemmingAnalyzer(minsize=3, maxsize=8, ignore=["running"])),
    ],
    ids=[*TEXT_FIELDS, "other-settings"],
)
def test_fast_indexing_gives_whooshs_terms_weights_and_positions(field):
    fast = fast_writer._fast_index_for(field)
    assert fast is not None
    for text in [*AWKWARD, *_texts(random.Random(3), 300)]:
        assert sorted(fast(text)) == sorted(field.index(text)), text


def test_other_analyzers_are_left_to_whoosh():
    assert fast_writer._fast_index_for(TEXT(analyzer=StandardAnalyzer())) is None
    assert fast_writer._fast_index_for(TEXT(analyzer=StemmingAnalyzer(), phrase=False)) is None


def _documents(count: int) -> list[SearchDocument]:
    rng = random.Random(17)
    texts = _texts(rng, 4 * count)
    return [
        SearchDocument(
            type=rng.choice(["case_study", "event", "thread", "post"]),
            id=number,
            title=texts[4 * number],
            summary=texts[4 * number + 1],
            body=texts[4 * number + 2] * 3,
            url=f"/x/{number}",
            date=datetime(2020, 1, 1) + timedelta(hours=rng.randrange(40_000)),
            tags=rng.sample([("drupal", "Drupal"), ("open-data", "Open data")], rng.randrange(3)),
            sector=rng.choice(["", "health"]),
            organisation=texts[4 * number + 3][:40],
        )
        for number in range(count)
    ]


def _files(path: Path, docs: list[SearchDocument], limitmb: float) -> dict[str, bytes]:
    """The segment's files, by name without the random segment id."""
    path.mkdir()
    ix = FileStorage(str(path), supports_mmap=False).create_index(make_schema())
    writer = ix.writer(limitmb=limitmb, compound=False)
    for doc in docs:
        writer.add_document(**doc.fields())
    writer.commit()
    segment = {
        p.name.split(".", 1)[1]: p.read_bytes()
        for p in path.glob("MAIN_*.*")
        if p.suffix != bitset_files.BITSETS_EXT  # our own file (long lists only), not Whoosh's
    }
    assert {"pst", "trm", "_stored.col", "_body_len.col", "date.col"} <= set(segment)
    return segment


@pytest.mark.parametrize("limitmb", [64, 0.05], ids=["in-memory", "spilling-runs"])
def test_the_fast_writer_writes_whooshs_index_byte_for_byte(tmp_path, monkeypatch, limitmb):
    docs = _documents(300)
    assert SegmentWriter.add_document is fast_writer._add_document  # installed by dpse.search
    ours = _files(tmp_path / "ours", docs, limitmb)
    monkeypatch.setattr(SegmentWriter, "add_document", fast_writer.WHOOSH_ADD_DOCUMENT)
    monkeypatch.setattr(W3FieldWriter, "add_postings", fast_writer.WHOOSH_ADD_POSTINGS)
    monkeypatch.setattr(PostingPool, "_write_run", SortingPool._write_run)
    monkeypatch.setattr(PostingPool, "_read_run", SortingPool._read_run)
    assert ours == _files(tmp_path / "whoosh", docs, limitmb)


def test_long_lists_bitsets_are_kept_with_the_segment_and_read_back(tmp_path, monkeypatch):
    monkeypatch.setattr(bitset_files, "BITSET_MIN", 64)  # so a small corpus has long lists
    docs = _documents(400)
    for doc in docs[::3]:
        doc.body += " platypus"  # one word in a third of the documents
    path = tmp_path / "ix"
    path.mkdir()
    ix = FileStorage(str(path), supports_mmap=False).create_index(make_schema())
    writer = ix.writer()
    for doc in docs:
        writer.add_document(**doc.fields())
    writer.commit()  # a compound segment: the bitset file is packed into it
    writer = ix.writer()
    writer.delete_by_term("key", docs[0].key)
    writer.commit(merge=False)
    assert [p.suffix for p in path.glob("MAIN_*.*")] == [".seg"]
    with ix.searcher() as searcher:
        reader = searcher.reader()
        sets = segment_sets.SegmentSets(reader)
        long_terms = [
            (name, text.decode("utf-8"))
            for name, text in reader.all_terms()
            if name in TEXT_FIELDS and reader.doc_frequency(name, text) >= 64
        ]
        assert ("body", "platypu") in long_terms and len(long_terms) > 5  # stemmed
        stored = {t: sets.term(*t) for t in long_terms}
        assert all(sets._stored_flags(*t) is not None for t in long_terms)
        assert sets._stored_flags("body", "zzz-not-there") is None
        segment_sets.clear_cache()
        monkeypatch.setattr(segment_sets.SegmentSets, "_stored_flags", lambda *a: None)
        decoded = {t: segment_sets.SegmentSets(reader).term(*t) for t in long_terms}
        assert stored == decoded  # deleted documents are left out either way
        platypus = stored[("body", "platypu")]
        assert platypus.bit_count() == len(docs[::3]) - 1  # the deleted one is not counted
    segment_sets.clear_cache()


def test_segments_without_a_bitset_file_decode_their_lists(tmp_path, monkeypatch):
    monkeypatch.setattr(W3FieldWriter, "add_postings", fast_writer.WHOOSH_ADD_POSTINGS)
    path = tmp_path / "ix"
    path.mkdir()
    ix = FileStorage(str(path), supports_mmap=False).create_index(make_schema())
    writer = ix.writer()
    for doc in _documents(50):
        writer.add_document(**doc.fields())
    writer.commit()
    with ix.searcher() as searcher:
        sets = segment_sets.SegmentSets(searcher.reader())
        assert sets._stored_flags("body", "council") is None
        assert sets.term("body", "council").bit_count() == searcher.doc_frequency("body", "council")
    segment_sets.clear_cache()
