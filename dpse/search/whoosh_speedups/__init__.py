"""Measured speed-ups that reach into Whoosh internals (whoosh-reloaded 2.7.5, pinned in
pyproject.toml); each is checked against Whoosh's own result by an oracle test
(tests/search/test_tuning.py, tests/search/test_docsets.py).

Modules: ``lengths`` (field lengths read once per searcher), ``chunked_runs`` (the posting
pool spills marshal-ed chunks), ``fast_writer`` (indexing text fields in one loop, posting
lists written with lengths in memory), ``bitset_files`` (a segment file of long lists'
documents), ``postings`` (posting lists decoded from their bytes) and ``segment_sets`` (bitsets
per segment, cached). Nothing outside this package touches a private Whoosh name.

The private Whoosh names used, and why:

- ``whoosh.codec.whoosh3._lenfield``, ``LENGTHS_COLUMN``, ``PerDocumentReader._cached_reader``
  and ``._readers``: to read a field's one-byte length column whole and put the bytes in place of
  its column reader (lengths, segment_sets.SegmentSets.lengths, fast_writer._lengths_of).
- a column reader's ``_dbfile``, ``_basepos``, ``_count``, ``_doccount``, ``_typecode``,
  ``_default`` and a RefBytesColumn reader's ``_uniques``: to read a fixed-width column (lengths,
  dates, a facet's one-byte references) in one ``get`` instead of a file read per document.
- ``PostingPool._write_run``, ``._read_run``, ``._open_run``, ``._remove_run``: replaced, and
  used, to spill runs as marshal-ed chunks (chunked_runs).
- ``SegmentWriter.add_document`` (replaced) with ``_check_state``, ``_check_fields``,
  ``_doc_boost``, ``_field_boost``, ``_added``, ``perdocwriter``, ``pool`` (its ``current``,
  ``currentsize``, ``limit``, ``fieldnames``, ``save``): Whoosh's method line for line, with the
  fast path for text fields and postings appended to the pool in bulk (fast_writer).
- ``StemFilter._stem``: the analyzer's own stemming function, memoised per word (fast_writer).
- ``W3FieldWriter.add_postings`` (replaced) with ``_postwriter`` and its ``_ids``,
  ``_weights``, ``_values``, ``_maxweight``, ``_minlength``, ``_maxlength``, ``_blocklimit``,
  ``_write_block``: each posting appended to its block directly (fast_writer); and its
  ``_segment``, ``_storage`` to create the segment's ``.dpsebits`` file (bitset_files).
- ``SegmentReader._terms`` (its ``term_info`` and ``_postfile``), ``_perdoc``, ``_storage``,
  ``deleted_docs_set`` and ``whoosh.codec.whoosh3.WHOOSH3_HEADER_MAGIC``: to read a posting
  list's bytes in one piece and decode its blocks' ids and weights without the matcher
  (postings, segment_sets). ``_dpse_bitsets`` is our own attribute set on a reader: its
  bitset file, looked for once.
"""
