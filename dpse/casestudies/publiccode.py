"""Reading a publiccode.yml (the public-sector software metadata standard, versions 0.2 to 0.4)
into what the case-study form needs, for its author to review before saving a draft.

A publiccode.yml says what software is and who looks after it, not how a project went: the
title, summary, "what we built", technologies, topics, links and suppliers come from it; the
outcome, the challenge, the results and the lessons learned stay the author's to write.

Untrusted input is read defensively: at most ``MAX_BYTES``; YAML's safe loader only (no
Python objects); no aliases at all (publiccode.yml never needs them, and a few nested aliases
expand into billions of nodes, the "billion laughs"); at most ``MAX_NODES`` values; every
problem is one message naming it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml
from sqlalchemy import func, or_, select

from dpse.accounts.models import Organisation, OrganisationKind
from dpse.casestudies.models import SUMMARY_MAX, TITLE_MAX
from dpse.extensions import db
from dpse.languages import is_language_tag, site_language
from dpse.slugs import slugify
from dpse.tags.models import Tag

MAX_BYTES = 512 * 1024
MAX_NODES = 20_000
REQUIRED = ("publiccodeYmlVersion", "name", "url", "description")
DEVELOPMENT_STATUS = {
    "concept": "Concept",
    "development": "In development",
    "beta": "Beta",
    "stable": "Stable",
    "obsolete": "Obsolete",
}


class PubliccodeError(ValueError):
    """The file cannot be read as a publiccode.yml; the message says why, for people."""


@dataclass
class Imported:
    """What the file says, ready for the form, and what the author should review."""

    fields: dict[str, Any]  # case-study form field -> value
    version: str
    language: str
    development_status: str = ""
    used_by: list[str] = field(default_factory=list)
    owner: str = ""  # who the file names as owning or maintaining the software
    owner_match: Organisation | None = None
    matched_tags: list[str] = field(default_factory=list)  # names of tags already here
    new_tags: list[str] = field(default_factory=list)
    unknown_suppliers: list[str] = field(default_factory=list)


def load(raw: str | bytes) -> dict[str, Any]:
    """The YAML document as a mapping, or PubliccodeError saying what is wrong with it."""
    if isinstance(raw, bytes):
        if len(raw) > MAX_BYTES:
            raise PubliccodeError(
                f"The file is {len(raw) / 1024:,.0f} KB; a publiccode.yml can be at most "
                f"{MAX_BYTES // 1024} KB."
            )
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise PubliccodeError(
                "The file is not UTF-8 text, as a publiccode.yml must be."
            ) from None
    else:
        text = raw
        if len(text.encode("utf-8")) > MAX_BYTES:
            raise PubliccodeError(
                f"The text is longer than {MAX_BYTES // 1024} KB, the most a publiccode.yml can be."
            )
    if not text.strip():
        raise PubliccodeError("The publiccode.yml is empty.")
    try:
        nodes = 0
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.AliasEvent):
                raise PubliccodeError(
                    f"Line {event.start_mark.line + 1} uses a YAML alias (*{event.anchor}). "
                    "A publiccode.yml never needs them, and they can make a small file expand "
                    "into a huge one, so they are not accepted: write the value out instead."
                )
            if isinstance(
                event, yaml.ScalarEvent | yaml.MappingStartEvent | yaml.SequenceStartEvent
            ):
                nodes += 1
                if nodes > MAX_NODES:
                    raise PubliccodeError(
                        f"The file holds more than {MAX_NODES:,} values; a publiccode.yml "
                        "describes one piece of software in far fewer."
                    )
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"Line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or "this is not valid YAML"
        raise PubliccodeError(f"{where}{problem} (the file is not valid YAML).") from None
    if not isinstance(document, dict):
        raise PubliccodeError(
            "This is not a publiccode.yml: its top level must be keys such as name: and url:."
        )
    missing = [key for key in REQUIRED if not document.get(key)]
    if missing:
        raise PubliccodeError(
            "The publiccode.yml is missing "
            + ", ".join(missing)
            + ": a publiccode.yml names at least its version, the software's name, its "
            "repository url and a description."
        )
    return document


def _text(value: Any) -> str:
    return " ".join(str(value).split()) if isinstance(value, str | int | float) else ""


def _names(items: Any) -> list[str]:
    """Names from a list of strings or of mappings with a name (dependsOn, contractors)."""
    names = []
    for item in items if isinstance(items, list) else []:
        name = _text(item.get("name")) if isinstance(item, dict) else _text(item)
        if name:
            names.append(name)
    return names


def _description(document: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The description in the site's language if there is one, else English, Italian or the
    first; PubliccodeError when no language gives a short description."""
    descriptions = document["description"]
    if not isinstance(descriptions, dict):
        raise PubliccodeError("description must hold one entry per language, such as en: or it:.")
    usable = {
        str(lang): d
        for lang, d in descriptions.items()
        if isinstance(d, dict) and _text(d.get("shortDescription"))
    }
    if not usable:
        raise PubliccodeError(
            "The description has no shortDescription in any language: it is the summary."
        )
    for wanted in (site_language(), "en", "it"):
        for lang in usable:
            if lang.lower() == wanted.lower() or lang.lower().split("-")[0] == wanted.lower():
                return lang, usable[lang]
    lang = next(iter(usable))
    return lang, usable[lang]


def _what_we_built(description: dict[str, Any]) -> str:
    long_text = str(description.get("longDescription") or "").strip()
    features = _names(description.get("features"))
    if features:
        long_text += (
            ("\n\n" if long_text else "")
            + "Features:\n\n"
            + "\n".join(f"- {feature}" for feature in features)
        )
    return long_text


def _existing_tags(names: list[str]) -> dict[str, Tag]:
    """Tags already on the exchange for these names (by slug or by name, any case)."""
    if not names:
        return {}
    slugs = {slugify(n) for n in names}
    lowered = {n.lower() for n in names}
    found = db.session.scalars(
        select(Tag).where(or_(Tag.slug.in_(slugs), func.lower(Tag.name).in_(lowered)))
    ).all()
    by_key: dict[str, Tag] = {}
    for tag in found:
        by_key[tag.slug] = tag
        by_key[tag.name.lower()] = tag
    return {n: t for n in names if (t := by_key.get(slugify(n)) or by_key.get(n.lower()))}


def _category_name(category: str) -> str:
    """'content-management' -> 'Content management'."""
    words = re.sub(r"[-_]+", " ", category).strip()
    return words[:1].upper() + words[1:]


def _organisations_named(names: list[str]) -> dict[str, Organisation]:
    if not names:
        return {}
    lowered = {n.lower(): n for n in names}
    found = db.session.scalars(
        select(Organisation).where(
            func.lower(Organisation.name).in_(lowered), Organisation.approved_at.is_not(None)
        )
    ).all()
    return {lowered[o.name.lower()]: o for o in found}


def read(raw: str | bytes) -> Imported:
    """Read a publiccode.yml into the case-study form's fields and the points to review."""
    document = load(raw)
    lang, description = _description(document)
    title = _text(description.get("localisedName")) or _text(document["name"])
    technologies = []
    depends = document.get("dependsOn")
    if isinstance(depends, dict):
        for kind in ("open", "proprietary", "hardware"):
            technologies += _names(depends.get(kind))
    categories = [c for c in document.get("categories") or [] if isinstance(c, str)]
    tags = _existing_tags(technologies + categories)
    technology_names = [tags[n].name if n in tags else n for n in technologies]
    topic_names = [tags[c].name if c in tags else _category_name(c) for c in categories]

    maintenance = (
        document.get("maintenance") if isinstance(document.get("maintenance"), dict) else {}
    )
    contractors = _names(maintenance.get("contractors"))
    legal = document.get("legal") if isinstance(document.get("legal"), dict) else {}
    owner = _text(legal.get("repoOwner")) or _text(legal.get("mainCopyrightOwner"))
    organisations = _organisations_named(contractors + ([owner] if owner else []))
    suppliers = [
        organisations[n].slug
        for n in contractors
        if n in organisations and organisations[n].kind == OrganisationKind.SUPPLIER
    ]
    fields = {
        "title": title[:TITLE_MAX],
        "summary": _text(description["shortDescription"])[:SUMMARY_MAX],
        "what_we_built": _what_we_built(description),
        "technologies": ", ".join(dict.fromkeys(technology_names)),
        "topics": ", ".join(dict.fromkeys(topic_names)),
        "repository_url": _text(document["url"]),
        "live_url": _text(document.get("landingURL")),
        "suppliers": suppliers,
        "language": lang if is_language_tag(lang) else "",
    }
    status = _text(document.get("developmentStatus")).lower()
    return Imported(
        fields=fields,
        version=_text(document["publiccodeYmlVersion"]),
        language=lang,
        development_status=DEVELOPMENT_STATUS.get(status, status),
        used_by=_names(document.get("usedBy")),
        owner=owner,
        owner_match=organisations.get(owner) if owner else None,
        matched_tags=sorted({t.name for t in tags.values()}),
        new_tags=[n for n in technologies + categories if n not in tags],
        unknown_suppliers=[n for n in contractors if n not in organisations],
    )
