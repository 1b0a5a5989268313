"""Whoosh 3 posting lists decoded straight from their bytes: ids and weights, block by block."""

from __future__ import annotations

import io
import pickle
import struct
import zlib
from array import array
from bisect import bisect_right
from itertools import accumulate

from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC
from whoosh.reading import IndexReader, TermNotFound

POSTING_BLOCK = 128  # postings per block in Whoosh's format
PARTIAL_SHARE = 3  # when a third of a list's blocks are wanted anyway, read all and cache it
_INT = struct.Struct("!i")  # Whoosh's block length


def _raw_postings(reader: IndexReader, fieldname: str, text: str) -> bytes | tuple[list, list]:
    """A term's posting list as its bytes on disk, read in one piece; or, where it is inlined
    in the term's info or the segment is not on disk, as its (ids, weights) lists.

    Decoding the blocks here rather than through Whoosh's matcher matters: the matcher reads
    each block's header a few bytes at a time and decodes ids with a Python generator, which
    made a cold facet count three times slower.
    """
    terms = getattr(reader, "_terms", None)
    try:
        if terms is None or not hasattr(terms, "term_info"):  # not a segment on disk
            matcher = reader.postings(fieldname, text)
            ids, weights = [], []
            while matcher.is_active():
                ids.append(matcher.id())
                weights.append(matcher.weight())
                matcher.next()
            return ids, weights
        info = terms.term_info(fieldname, reader.schema[fieldname].to_bytes(text))
    except (TermNotFound, KeyError, ValueError):
        return [], []
    if info.is_inlined():
        inline_ids, inline_weights, _ = info.inlined_postings()
        return list(inline_ids), list(inline_weights)
    offset, length = info.extent()
    if isinstance(length, tuple):  # Whoosh's TermInfo.from_bytes leaves it a 1-tuple
        (length,) = length
    return terms._postfile.get(offset, length)


def posting_ids(
    reader: IndexReader, fieldname: str, text: str, within: list[int] | None = None
) -> tuple[list[int], bool]:
    """The document numbers in a term's postings, deleted ones included, and whether that is
    all of them: with ``within`` (sorted document numbers), only the blocks that could hold
    one of those are decoded, unless that is a good part of the list anyway."""
    raw = _raw_postings(reader, fieldname, text)
    if isinstance(raw, tuple):
        return raw[0], True
    return _block_ids(raw, within)


def _block_spans(raw: bytes) -> list[tuple[int, int, int, int]]:
    """(data start, end, compression, last id) of each block of a posting list in Whoosh 3's
    format: a magic tag, then blocks of (signed length, pickled block info, pickled and maybe
    compressed data); a negative length marks the last block."""
    if raw[:4] != WHOOSH3_HEADER_MAGIC:
        raise ValueError("not a Whoosh 3 posting list")
    buf = io.BytesIO(raw)
    position = 4
    spans: list[tuple[int, int, int, int]] = []
    while position < len(raw):
        (length,) = _INT.unpack_from(raw, position)
        start = position + _INT.size
        end = start + abs(length)
        buf.seek(start)
        info = pickle.load(buf)  # noqa: S301 - the index's own file, as Whoosh reads it
        spans.append((buf.tell(), end, info[3], info[1]))
        if length < 0:
            break
        position = end
    return spans


def _block_data(raw: bytes, start: int, end: int, compression: int) -> tuple:
    """A block's (delta-encoded ids, weights, values)."""
    data = raw[start:end]
    if compression:
        data = zlib.decompress(data)
    return pickle.loads(data)  # noqa: S301 - the index's own file, as Whoosh reads it


# Where a block's values start in its pickle (protocol 2 writes bytes as _codecs.encode(...)
# calls, an empty one as bytes()). Neither can occur earlier: the ids and weights before them
# have an upper-case opcode (K, M, J, G, N) at least every nine bytes.
_VALUES_START = (b"c_codecs\nencode\n", b"c__builtin__\nbytes\n")
_HEAD_STEP = 1536  # decompressed bytes to look for the values' start in, at a time


def _block_head(raw: bytes, start: int, end: int, compression: int) -> tuple:
    """A block's (delta-encoded ids, weights), without its values.

    Three quarters of a text field's block are its positions, pickled as one function call
    each: decompressing the block only up to them and unpickling what comes before is four
    times faster than reading it all (``_block_data``), which is what it falls back to.
    """
    data = raw[start:end]
    decompressor = zlib.decompressobj() if compression else None
    head = decompressor.decompress(data, _HEAD_STEP) if decompressor else data
    encoded, empty = _VALUES_START
    while True:
        cut = head.find(encoded)
        first_empty = head.find(empty, 0, cut) if cut > 0 else head.find(empty)
        if first_empty > 0:
            cut = first_empty
        if cut > 0 or decompressor is None or not decompressor.unconsumed_tail:
            break
        head += decompressor.decompress(decompressor.unconsumed_tail, _HEAD_STEP)
    if cut > 0 and head[:2] == b"\x80\x02":
        if head[cut - 1] == 0x28:  # the MARK that opens the values' tuple
            cut -= 1
        try:
            ids, weights = pickle.loads(head[:cut] + b"\x86.")  # noqa: S301 - (ids, weights)
        except (pickle.UnpicklingError, ValueError, TypeError, EOFError, IndexError):
            pass
        else:
            if isinstance(ids, tuple) and (
                weights is None
                or isinstance(weights, float)
                or (isinstance(weights, tuple) and len(weights) == len(ids))
            ):
                return ids, weights
    return _block_data(raw, start, end, compression)[:2]


def _block_ids(raw: bytes, within: list[int] | None = None) -> tuple[list[int], bool]:
    """The document numbers of a posting list, and whether all blocks were decoded. A block's
    info holds its last id, so with ``within`` the blocks holding none of those are skipped
    undecoded — if they are most of the list."""
    spans = _block_spans(raw)
    previous_last, wanted = -1, []
    for *_, last_id in spans:
        wanted.append(within is None or _any_in(within, previous_last, last_id))
        previous_last = last_id
    whole = sum(wanted) * PARTIAL_SHARE > len(spans)
    ids: list[int] = []
    for (start, end, compression, _), want in zip(spans, wanted, strict=True):
        if want or whole:
            ids.extend(accumulate(_block_head(raw, start, end, compression)[0]))
    return ids, whole


def posting_weights(
    reader: IndexReader, fieldname: str, text: str, within: list[int] | None = None
) -> tuple[array, array]:
    """A term's document numbers and weights (term frequency times the field's boost), deleted
    documents included: the whole list, or with ``within`` (sorted document numbers) only the
    blocks that could hold one of those."""
    raw = _raw_postings(reader, fieldname, text)
    if isinstance(raw, tuple):
        return array("I", raw[0]), array("f", raw[1])
    ids, weights = array("I"), array("f")
    previous_last = -1
    for start, end, compression, last_id in _block_spans(raw):
        wanted = within is None or _any_in(within, previous_last, last_id)
        previous_last = last_id
        if not wanted:
            continue
        deltas, block_weights = _block_head(raw, start, end, compression)
        ids.extend(accumulate(deltas))
        if block_weights is None:  # Whoosh writes None when every weight is 1.0
            weights.extend([1.0] * len(deltas))
        elif isinstance(block_weights, float):  # ... and one float when they are all equal
            weights.extend([block_weights] * len(deltas))
        else:
            weights.extend(block_weights)
    return ids, weights


def _any_in(docnums: list[int], after: int, upto: int) -> bool:
    """Whether the sorted list has a number in (after, upto]."""
    i = bisect_right(docnums, after)
    return i < len(docnums) and docnums[i] <= upto
