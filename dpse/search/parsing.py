"""The parser policy: what people type becomes a safe, bounded Whoosh query."""

from __future__ import annotations

from whoosh import qparser, query
from whoosh.fields import Schema
from whoosh.reading import IndexReader

from dpse.search.schema import TEXT_FIELDS

MAX_QUERY_LENGTH = 200
MAX_TERMS = 12


def make_parser(schema: Schema) -> qparser.QueryParser:
    """A parser that only knows the public text fields: no field:, ranges, wildcards, regex."""
    parser = qparser.MultifieldParser(list(TEXT_FIELDS), schema, group=qparser.AndGroup)
    for plugin in (
        qparser.FieldsPlugin,
        qparser.RangePlugin,
        qparser.WildcardPlugin,
        qparser.RegexPlugin,
        qparser.BoostPlugin,
        qparser.GtLtPlugin,
        qparser.FuzzyTermPlugin,
    ):
        parser.remove_plugin_class(plugin)
    parser.add_plugin(qparser.PlusMinusPlugin())  # "-word" excludes, "+word" requires
    return parser


def _words_query(text: str, schema: Schema, reader: IndexReader | None = None) -> query.Query:
    """All of the words (stemmed as indexed; stop words dropped), at most MAX_TERMS of them.

    With a reader, an over-long text keeps its rarest words: they say most about what is
    sought, and their short posting lists keep pasted paragraphs fast.
    """
    analyzer = schema["body"].analyzer  # the text fields share one analyzer
    stems = list(dict.fromkeys(t.text for t in analyzer(text, mode="query")))
    if reader is not None and len(stems) > MAX_TERMS:
        stems.sort(key=lambda stem: sum(reader.doc_frequency(f, stem) for f in TEXT_FIELDS))
    stems = stems[:MAX_TERMS]
    if not stems:
        return query.NullQuery
    return query.And([query.Or([query.Term(f, stem) for f in TEXT_FIELDS]) for stem in stems])


def parse_user_query(text: str, schema: Schema, reader: IndexReader | None = None) -> query.Query:
    """Parse leniently: syntax trouble or too many words fall back to searching the words.
    Every OR in the result uses Whoosh's union tree (see prefer_union_tree)."""
    return prefer_union_tree(_parse(text, schema, reader))


def _parse(text: str, schema: Schema, reader: IndexReader | None) -> query.Query:
    text = text[:MAX_QUERY_LENGTH].strip()
    if not text:
        return query.Every()
    analyzer = schema["body"].analyzer
    if len({t.text for t in analyzer(text, mode="query")}) > MAX_TERMS:
        # Too many words for operators to matter; parsing them would only cost time (Whoosh's
        # parser deep-copies every word's query once per field: ~14 ms for 200 characters).
        return _words_query(text, schema, reader)
    try:
        parsed = make_parser(schema).parse(text)
    except Exception:  # Whoosh's parser can raise many things on odd input
        return _words_query(text, schema, reader)
    terms = list(parsed.iter_all_terms()) if parsed is not query.NullQuery else []
    if len(terms) > MAX_TERMS * len(TEXT_FIELDS):
        return _words_query(text, schema, reader)
    return parsed


def prefer_union_tree(q: query.Query) -> query.Query:
    """Make every Or use Whoosh's tree of union matchers.

    For segments under 5,000 documents Whoosh picks a matcher that pre-reads and scores every
    posting: for a common word that doubled the top-ten time, and inside an AND it returned a
    wrong top ten (tests/search/test_docsets.py shows one).
    """
    if isinstance(q, query.Or):
        q.matcher_type = query.Or.DEFAULT_MATCHER
    for child in q.children():
        prefer_union_tree(child)
    return q


def negated(q: query.Query) -> list[query.Query]:
    """The parts of a query that exclude ("-word", NOT word)."""
    if isinstance(q, query.Not):
        return [q.query]
    if isinstance(q, query.AndNot):
        return [q.b, *negated(q.a)]
    return [found for child in q.children() for found in negated(child)]


def has_phrase(q: query.Query) -> bool:
    """Whether the query has a phrase (Whoosh scores phrases by their positions)."""
    return isinstance(q, query.Phrase) or any(has_phrase(child) for child in q.children())
