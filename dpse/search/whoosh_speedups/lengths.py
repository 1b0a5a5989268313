"""Field lengths in memory: each searcher reads the text fields' length columns once.

BM25 asks for a document's field length for every posting it scores. With the index opened
without mmap (see engine.py) every ask was a seek and a read — a third of a common word's query
time. The length columns (one byte per document and field) are read into memory once per
searcher.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.searching import Searcher


def preload_lengths(searcher: Searcher, fieldnames: Iterable[str]) -> None:
    """Read the text fields' per-document lengths into memory, once per searcher."""
    for sub, _offset in searcher.leaf_searchers():
        perdoc = getattr(sub.reader(), "_perdoc", None)
        if perdoc is None or not hasattr(perdoc, "_cached_reader"):
            continue
        for name in fieldnames:
            lenfield = _lenfield(name)
            data = column_bytes(perdoc._cached_reader(lenfield, LENGTHS_COLUMN))
            if data is not None:
                perdoc._readers[lenfield] = data


def column_bytes(column: Any) -> bytes | None:
    """A one-byte-per-document column read whole (None where it is not such a column)."""
    if column is None or isinstance(column, bytes) or not hasattr(column, "_dbfile"):
        return None
    data = column._dbfile.get(column._basepos, column._count)
    return data + bytes(column._doccount - len(data))
