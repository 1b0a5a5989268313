"""Two measured adjustments to Whoosh internals (whoosh-reloaded 2.7.5, pinned in
pyproject.toml). Each has a test that compares the result with Whoosh's own behaviour.

1. ``preload_lengths``: BM25 asks for a document's field length for every posting it scores.
   With the index opened without mmap (see index.py) every ask was a seek and a read — a third
   of a common word's query time. The length columns (one byte per document and field) are
   read into memory once per searcher.

2. ``install_chunked_runs``: while indexing, Whoosh's posting pool spills sorted runs to temp
   files and reads them back when the segment is written, pickling *each posting* separately
   (~5.5 µs a posting both ways; a 100,000-document rebuild spills ~30 million). Runs are
   written instead as marshal-ed chunks of postings, read back a chunk at a time (same order,
   same bytes in the index; memory grows by one chunk per run being merged).
"""

from __future__ import annotations

import marshal
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any

from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.searching import Searcher
from whoosh.writing import PostingPool

RUN_CHUNK = 4096  # postings per marshal-ed chunk of a spilled run


def preload_lengths(searcher: Searcher, fieldnames: Iterable[str]) -> None:
    """Read the text fields' per-document lengths into memory, once per searcher."""
    for sub, _offset in searcher.leaf_searchers():
        perdoc = getattr(sub.reader(), "_perdoc", None)
        if perdoc is None or not hasattr(perdoc, "_cached_reader"):
            continue
        for name in fieldnames:
            lenfield = _lenfield(name)
            column = perdoc._cached_reader(lenfield, LENGTHS_COLUMN)
            if column is None or isinstance(column, bytes) or not hasattr(column, "_dbfile"):
                continue
            data = column._dbfile.get(column._basepos, column._count)
            perdoc._readers[lenfield] = data + bytes(column._doccount - len(data))


def _write_run(self: PostingPool, f: Any, items: Iterable[tuple]) -> None:
    iterator = iter(items)
    while chunk := list(islice(iterator, RUN_CHUNK)):
        marshal.dump(chunk, f, 4)
    f.close()


def _read_run(self: PostingPool, path: str) -> Iterator[tuple]:
    f = self._open_run(path)
    try:
        while True:
            try:
                chunk = marshal.load(f)  # noqa: S302 - our own temp file, written above
            except EOFError:
                return
            yield from chunk
    finally:
        f.close()
        self._remove_run(path)


def install_chunked_runs() -> None:
    """Make Whoosh's posting pool spill runs in chunks (idempotent)."""
    PostingPool._write_run = _write_run
    PostingPool._read_run = _read_run
