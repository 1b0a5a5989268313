"""The one Markdown → safe HTML pipeline: render, sanitise, and reduce user text to plain text.

It runs when text is saved (`render`, stored by `dpse.rendering`) and for previews; pages, the
search indexer and feeds read the stored result. `PIPELINE_VERSION` is stored with it: raise it
whenever a change here changes the output, and `dpse content rerender` brings old rows up to date.

Callers cap input length (forms validate a maximum, e.g. 20,000 characters): rendering is about
linear in length, roughly 1 s per 50,000 hostile characters. html5lib's tree building is still
quadratic in nesting depth, which `_adapt_tokens` bounds for Markdown but `sanitize_html` alone
does not. bleach is frozen upstream; all of its use stays here so a later swap stays local.
"""

import html
import re
import threading
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from html.parser import HTMLParser
from typing import Any

import bleach
from bleach._vendor.html5lib import treebuilders, treewalkers
from bleach._vendor.html5lib.treebuilders.base import ActiveFormattingElements
from bleach.html5lib_shim import BleachHTMLParser, Filter
from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from markupsafe import Markup

ALLOWED_TAGS = frozenset(
    {"p", "br", "hr", "h2", "h3", "h4", "h5", "h6", "strong", "em", "del", "s", "code", "pre"}
    | {"blockquote", "ul", "ol", "li", "a", "img", "table", "thead", "tbody", "tr", "th", "td"}
    | {"mark", "sup", "sub"}
    # Kept only as the scroll region _ScrollRegionFilter puts around code and tables: any other
    # div (a person's own, or an old region when stored HTML is cleaned again) loses its tags.
    | {"div"}
)
# Raise when a change to this module changes what it produces for some input.
# 2: @handle mentions link to the profile; 3: code blocks and tables in a keyboard-reachable,
# named scroll region.
PIPELINE_VERSION = 4
LINK_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow ugc noopener"
MAX_RAW_HTML_TAGS = 1000
MAX_INLINE_DEPTH = 16

_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):")
_TAB_OR_NEWLINE = str.maketrans("", "", "\t\n\r")
_C0_OR_SPACE = "".join(map(chr, range(0x21)))
_INVISIBLE = frozenset({"Cc", "Cf", "Zl", "Zp"})
_CODE_CLASS = re.compile(r"language-[\w+#.\-]{1,40}")
_BLOCK_TAGS = ALLOWED_TAGS - {"a", "strong", "em", "del", "s", "code", "mark", "sup", "sub"}


def _safe_url(value: str, *, image: bool) -> bool:
    """Whether an attribute value is a URL a browser cannot turn into script."""
    # bleach keeps entities unresolved, and the browser resolves them before parsing the URL.
    url = html.unescape(value).translate(_TAB_OR_NEWLINE).strip(_C0_OR_SPACE)
    # Invisible characters hide the real target; a leading Unicode space makes the URL
    # "relative" for some parsers and not others, so refuse instead of guessing.
    if not url or unicodedata.category(url[0]) == "Zs":
        return False
    if any(unicodedata.category(ch) in _INVISIBLE for ch in url):
        return False
    match = _SCHEME.match(url)
    if image:  # only https images: no tracking over plain http, no data:/blob: payloads
        return match is not None and match.group(1).lower() == "https"
    # No scheme means a relative link or fragment, which stays on an http(s) origin.
    return match is None or match.group(1).lower() in LINK_SCHEMES


def _allow_attribute(tag: str, name: str, value: str) -> bool:
    """bleach attribute policy: a short list per tag, URLs checked by `_safe_url`."""
    if tag == "a":
        return name in {"title", "rel"} or (name == "href" and _safe_url(value, image=False))
    if tag == "img":
        return name in {"alt", "title"} or (name == "src" and _safe_url(value, image=True))
    if tag in {"th", "td"}:
        return name == "align" and value in {"left", "center", "right"}
    if tag == "ol":
        return name == "start" and value.isascii() and value.isdigit() and len(value) < 10
    if tag == "code":
        return name == "class" and _CODE_CLASS.fullmatch(value) is not None
    return False


class _LinkAndImageFilter(Filter):
    """Give every link `rel`, and turn images that lost their src into their alt text."""

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for token in super().__iter__():
            name = token.get("name") if token["type"] in {"StartTag", "EmptyTag"} else None
            if name == "a":
                token["data"][(None, "rel")] = LINK_REL
            elif name == "img" and (None, "src") not in token["data"]:
                # Attribute values arrive with entities unresolved; text is escaped on output.
                alt = html.unescape(token["data"].get((None, "alt"), ""))
                token = {"type": "Characters", "data": alt}
            yield token


# What wraps a code block or a table that may be wider than the screen: a box that scrolls
# on its own, reachable by keyboard (tabindex) and named for screen readers (WCAG 2.1.1,
# 4.1.2). A group, not a region: regions are landmarks, and landmarks must have distinct names,
# which two posts with a code block each on one thread page would not. Only this filter makes
# one: it drops every div it is given (with no attributes, as `_allow_attribute` allows none),
# so no one can write such a box, or any div, themselves.
SCROLL_REGION_LABELS = {"pre": "Code example", "table": "Table"}


def _scroll_region(label: str) -> dict[str, Any]:
    attributes = {"class": "scroll-region", "role": "group", "aria-label": label, "tabindex": "0"}
    return {
        "type": "StartTag",
        "name": "div",
        "namespace": None,
        "data": {(None, name): value for name, value in attributes.items()},
    }


class _ScrollRegionFilter(Filter):
    """Wrap each outermost code block and table in a focusable, named scroll region."""

    def __iter__(self) -> Iterator[dict[str, Any]]:
        open_tag, depth = "", 0
        for token in super().__iter__():
            kind, name = token["type"], token.get("name")
            if name == "div" and kind in {"StartTag", "EndTag", "EmptyTag"}:
                continue
            if kind == "StartTag" and name in SCROLL_REGION_LABELS:
                if not open_tag:
                    open_tag = name
                    yield _scroll_region(SCROLL_REGION_LABELS[name])
                if name == open_tag:
                    depth += 1
            yield token
            if kind == "EndTag" and name == open_tag:
                depth -= 1
                if depth == 0:
                    open_tag = ""
                    yield {"type": "EndTag", "name": "div", "namespace": None}


class _FormattingByName(ActiveFormattingElements):
    """Noah's Ark clause keyed on tag name only (html5lib also compares attributes)."""

    # With attributes compared, `<em title=1><em title=2>…` grows this list without bound and
    # every later paragraph re-opens all of them: quadratic time and output from one post.
    def nodesEqual(self, node1: Any, node2: Any) -> bool:  # noqa: N802 (html5lib's name)
        return node1.nameTuple == node2.nameTuple


class _TreeBuilder(treebuilders.getTreeBuilder("etree")):
    """html5lib's etree builder with the formatting list capped by `_FormattingByName`."""

    def reset(self) -> None:
        super().reset()
        self.activeFormattingElements = _FormattingByName()


class _TreeWalker(treewalkers.getTreeWalker("etree")):
    """html5lib's etree walker without its linear sibling search on every way back up."""

    def __init__(self, tree: Any) -> None:
        super().__init__(tree)
        self._positions: dict[int, dict[int, int]] = {}

    def getParentNode(self, node: Any) -> Any:  # noqa: N802 (html5lib's name)
        if not isinstance(node, tuple) or node[3] == "text" or len(node[2]) < 2:
            return super().getParentNode(node)
        parents = node[2]
        parent, grandparent = parents.pop(), parents[-1]
        positions = self._positions.get(id(grandparent))
        if positions is None:  # the tree is not mutated while walked, so ids are stable
            positions = {id(child): i for i, child in enumerate(grandparent)}
            self._positions[id(grandparent)] = positions
        return parent, positions[id(parent)], parents, None


_local = threading.local()


def _cleaner() -> bleach.Cleaner:
    """This thread's Cleaner: bleach documents Cleaner as not thread-safe (parser state)."""
    cleaner = getattr(_local, "cleaner", None)
    if cleaner is None:
        cleaner = _local.cleaner = bleach.Cleaner(
            tags=ALLOWED_TAGS,
            attributes=_allow_attribute,
            protocols=LINK_SCHEMES,
            strip=True,
            strip_comments=True,
            filters=[_LinkAndImageFilter, _ScrollRegionFilter],
        )
        # Cleaner has no hooks for these; bleach is frozen, so its attributes will not move.
        cleaner.parser = BleachHTMLParser(
            tags=ALLOWED_TAGS,
            strip=True,
            consume_entities=False,
            namespaceHTMLElements=False,
            tree=_TreeBuilder,
        )
        cleaner.walker = _TreeWalker
    return cleaner


def _adapt_tokens(state: StateCore) -> None:
    """Shift headings down (the page owns h1), turn table style into align, bound nesting."""
    inline = [token for token in state.tokens if token.type == "inline"]
    raw = [token for token in state.tokens if token.type == "html_block"]
    raw += [
        child for token in inline for child in token.children or [] if child.type.startswith("html")
    ]
    # html5lib's tree building is quadratic in nesting depth, so markup-heavy raw HTML is shown
    # as text and Markdown emphasis (unbounded in CommonMark) is flattened past a sane depth.
    if sum(token.content.count("<") for token in raw) > MAX_RAW_HTML_TAGS:
        for token in raw:
            token.type = "text"
    for token in inline:
        children = token.children or []
        token.children = [c for c in children if c.nesting == 0 or c.level < MAX_INLINE_DEPTH]
    for token in state.tokens:
        if token.type in {"heading_open", "heading_close"}:
            token.tag = f"h{min(int(token.tag[1]) + 1, 6)}"
        elif token.type in {"th_open", "td_open"}:
            style = token.attrs.pop("style", None)
            if isinstance(style, str) and style.startswith("text-align:"):
                token.attrs["align"] = style.removeprefix("text-align:")


# A mention: @ and a handle (dpse.accounts.handles), not inside a word or an email address.
MENTION = re.compile(r"(?<![\w@.+/-])@([a-zA-Z0-9][a-zA-Z0-9-]{1,28}[a-zA-Z0-9])(?![\w-])")


def _mention(state: StateInline, silent: bool) -> bool:
    """`@mina-member` becomes a link to /people/mina-member (a handle holds a letter)."""
    found = MENTION.match(state.src, state.pos)
    before = state.src[state.pos - 1] if state.pos else " "
    inside_a_word = before.isalnum() or before in "_@.+/-"
    if not found or inside_a_word or state.linkLevel > 0:
        return False
    if not any(c.isalpha() for c in found.group(1)):  # all digits: no handle
        return False
    if not silent:
        link = state.push("link_open", "a", 1)
        link.attrs = {"href": f"/people/{found.group(1).lower()}"}
        state.push("text", "", 0).content = found.group(0)
        state.push("link_close", "a", -1)
    state.pos = found.end()
    return True


# MarkdownIt keeps no per-render state on the instance, so one shared parser is safe.
_markdown = MarkdownIt("commonmark", {"xhtmlOut": False}).enable(["table", "strikethrough"])
_markdown.core.ruler.push("dpse_adapt_tokens", _adapt_tokens)
_markdown.inline.ruler.before("emphasis", "dpse_mention", _mention)
_markdown.inline.add_terminator_char("@")  # else the text rule swallows it


def sanitize_html(html_text: str) -> str:
    """Reduce HTML to the allowlist: safe tags, attributes and URLs only."""
    return _cleaner().clean(html_text)


def render_markdown(text: str | None) -> Markup:
    """Render user Markdown (raw HTML allowed, then sanitised) to HTML safe to embed."""
    if not text:
        return Markup("")
    return Markup(sanitize_html(_markdown.render(text)))  # noqa: S704 (sanitised right here)


class _TextCollector(HTMLParser):
    """Collect text from sanitised HTML, keeping block boundaries as spaces."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK_TAGS:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        self.handle_starttag(tag, [])

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


@dataclass(frozen=True, slots=True)
class Rendered:
    """What one piece of Markdown becomes: sanitised HTML and one line of plain text."""

    html: Markup
    text: str


@lru_cache(maxsize=64)
def render(text: str) -> Rendered:
    """Render Markdown once into what is stored: safe HTML and its plain text.

    The small cache spares a second render of the same text in one process (a post's edit
    history copies the body it replaces, a preview is often saved as it was shown).
    """
    html_text = render_markdown(text)
    return Rendered(html=html_text, text=html_to_text(html_text))


def html_to_text(html_text: str) -> str:
    """Sanitised HTML to one line of plain text, block boundaries kept as spaces."""
    collector = _TextCollector()
    collector.feed(str(html_text))
    collector.close()
    return " ".join("".join(collector.parts).split())


def to_plaintext(text: str | None) -> str:
    """Markdown to one line of plain text (for text not stored through `render`)."""
    return html_to_text(render_markdown(text))


def shorten(plain: str, length: int = 200) -> str:
    """Plain text of at most `length` characters, cut at a word boundary with "…"."""
    if len(plain) <= length:
        return plain
    # The last space within `length` characters ends a whole word and leaves room for "…".
    boundary = plain.rfind(" ", 0, length)
    # A single over-long word has no boundary to cut at; cut inside it rather than return "".
    head = plain[:boundary] if boundary > 0 else plain[: max(length - 1, 0)]
    return head.rstrip(" ,;:.-") + "…"


def excerpt(text: str | None, length: int = 200) -> str:
    """The start of some Markdown as plain text, at most `length` characters (see `shorten`)."""
    return shorten(to_plaintext(text), length)


class _ImageCounter(HTMLParser):
    """Count the images in rendered (not yet sanitised) Markdown that have no alt text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.without_alt = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img" and not (dict(attrs).get("alt") or "").strip():
            self.without_alt += 1

    handle_startendtag = handle_starttag


def images_without_alt(text: str | None) -> int:
    """How many images in some Markdown have no alt text: `![](url)` or a raw `<img>` without
    a non-empty `alt`. Forms refuse such text; what is already stored still renders."""
    if not text or ("![" not in text and "<" not in text):
        return 0
    counter = _ImageCounter()
    counter.feed(_markdown.render(text))
    counter.close()
    return counter.without_alt


_HEADING_TAG = re.compile(r"<(/?)h([1-6])(?=[\s>])")


def headings_from(html_text: str | None, top: int) -> Markup:
    """Stored HTML with its headings renumbered to start at ``top`` with no level skipped
    (h2, h4 under a page's h2 become h3, h4), so user text never breaks the page's outline
    (WCAG 1.3.1). Headings carry no attributes after sanitising, so only tag names change."""
    html_text = str(html_text or "")
    used = sorted({int(level) for _, level in _HEADING_TAG.findall(html_text)})
    if not used:
        return Markup(html_text)  # noqa: S704 (stored, already sanitised HTML)
    new_level = {level: min(top + i, 6) for i, level in enumerate(used)}
    renumbered = _HEADING_TAG.sub(
        lambda m: f"<{m.group(1)}h{new_level[int(m.group(2))]}", html_text
    )
    return Markup(renumbered)  # noqa: S704 (only heading tag names changed)
