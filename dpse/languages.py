"""Content language: the BCP 47 tags a case study, event or thread may be written in, their
names for people, and the `lang` attribute pages put on text in another language than the page.

Screen readers pick their voice and pronunciation from `lang`; without it Welsh or French text
is read out with English rules (WCAG 3.1.2, language of parts).
"""

from __future__ import annotations

import re

from flask import current_app
from markupsafe import Markup
from wtforms import SelectChoice

DEFAULT_LANGUAGE = "en"
LANGUAGE_MAX = 35  # the longest tag RFC 5646 asks implementations to accept
# A primary language of 2–3 letters and optional subtags (script, region, variant).
LANGUAGE_TAG = re.compile(r"[a-z]{2,3}(-[a-z0-9]{1,8})*", re.IGNORECASE)

# The languages offered on forms: those of the UK and Ireland first, then the EU's most used.
# Each name is in English with the language's own name, so both kinds of reader find theirs.
LANGUAGES: dict[str, str] = {
    "en": "English",
    "cy": "Welsh (Cymraeg)",
    "ga": "Irish (Gaeilge)",
    "gd": "Scottish Gaelic (Gàidhlig)",
    "fr": "French (Français)",
    "de": "German (Deutsch)",
    "nl": "Dutch (Nederlands)",
    "it": "Italian (Italiano)",
    "es": "Spanish (Español)",
    "pt": "Portuguese (Português)",
    "sv": "Swedish (Svenska)",
    "da": "Danish (Dansk)",
    "fi": "Finnish (Suomi)",
    "pl": "Polish (Polski)",
    "et": "Estonian (Eesti)",
    "lt": "Lithuanian (Lietuvių)",
    "lv": "Latvian (Latviešu)",
    "cs": "Czech (Čeština)",
    "el": "Greek (Ελληνικά)",
    "uk": "Ukrainian (Українська)",
}


def is_language_tag(value: str) -> bool:
    """Whether ``value`` is shaped like a BCP 47 language tag (e.g. ``cy``, ``pt-BR``)."""
    return len(value) <= LANGUAGE_MAX and LANGUAGE_TAG.fullmatch(value) is not None


def site_language() -> str:
    """The language of the site's own pages (DPSE_SITE_LANGUAGE)."""
    return str(current_app.config.get("SITE_LANGUAGE") or DEFAULT_LANGUAGE)


def language_name(tag: str) -> str:
    """A tag's name for people ("Welsh (Cymraeg)"), or the tag itself when not on the list."""
    return LANGUAGES.get(tag, tag)


def language_choices(current: str = "") -> list[SelectChoice]:
    """The form's options: the site's language first, then the list, plus ``current`` (a tag
    stored before the list or the site's language changed) so editing never drops it."""
    first = [site_language()] + ([current] if current else [])
    tags = list(dict.fromkeys(first + list(LANGUAGES)))
    return [SelectChoice(tag, language_name(tag)) for tag in tags]


def lang_attribute(tag: str | None) -> Markup:
    """` lang="cy"` for text in another language than the page's, else nothing."""
    if not tag or tag == site_language() or not is_language_tag(tag):
        return Markup("")
    return Markup(' lang="%s"') % tag
