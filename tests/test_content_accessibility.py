"""What the Markdown pipeline does for people using assistive technology: images need alt text
(refused when saving, kept when already stored) and wide code and tables scroll in a region
that takes keyboard focus and has a name."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from dpse.casestudies.models import CaseStudy
from dpse.content import PIPELINE_VERSION, images_without_alt, render_markdown, sanitize_html
from dpse.extensions import db
from tests.casestudies.factories import FORM
from tests.conftest import login, post_form

REGION = '<div class="scroll-region" role="group" aria-label="{}" tabindex="0">'


@pytest.mark.parametrize(
    ("text", "missing"),
    [
        ("![](https://example.org/map.png)", 1),
        ("![  ](https://example.org/map.png)", 1),
        ('<img src="https://example.org/map.png">', 1),
        ('<img src="https://example.org/map.png" alt="">', 1),
        ("![The new service areas](https://example.org/map.png)", 0),
        ('<img src="https://example.org/map.png" alt="The new service areas">', 0),
        ("`<img src=x>` is how HTML shows an image", 0),  # code, not an image
        ("    <img src=x>", 0),
        ("No images here", 0),
        ("![](a) and ![b](c) and <img src=d>", 2),
    ],
)
def test_images_without_alt_text_are_counted(text, missing):
    assert images_without_alt(text) == missing


def test_old_content_with_an_image_without_alt_still_renders():
    html = render_markdown("![](https://example.org/map.png)")
    assert '<img src="https://example.org/map.png" alt="">' in html


def test_code_blocks_and_tables_are_wrapped_in_a_named_focusable_region():
    html = render_markdown("```\nlong line\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n")
    assert html.startswith(REGION.format("Code example") + "<pre><code>")
    assert "</code></pre></div>" in html
    assert REGION.format("Table") + "<table>" in html
    assert "</table></div>" in html
    assert PIPELINE_VERSION >= 3


def test_inline_code_and_nested_tables_get_no_extra_region():
    assert "scroll-region" not in render_markdown("Use `git log`.")
    nested = sanitize_html("<table><tr><td><table><tr><td>x</td></tr></table></td></tr></table>")
    assert nested.count("scroll-region") == 1
    assert nested.endswith("</table></td></tr></tbody></table></div>")


@pytest.mark.parametrize(
    "forged",
    [
        '<div class="scroll-region" role="group" aria-label="Code example" tabindex="0">x</div>',
        '<div onclick="alert(1)" tabindex="0">x</div>',
        '<pre tabindex="5" role="button" aria-label="Click">x</pre>',
    ],
)
def test_people_cannot_write_regions_or_their_attributes_themselves(forged):
    html = sanitize_html(forged)
    assert "onclick" not in html and "role=" not in html.replace('role="group"', "")
    assert 'tabindex="5"' not in html and 'aria-label="Click"' not in html
    assert html.count("<div") == html.count(REGION.format("Code example"))


def test_a_case_study_with_an_image_without_alt_is_refused_and_kept(client, users):
    login(client, "member@testshire.gov.uk")
    text = "Our new map:\n\n![](https://example.org/map.png)"
    form = client.get("/case-studies/new").get_data(as_text=True)
    assert "Describe each image in the brackets" in form  # the writing hint says so
    response = post_form(
        client, "/case-studies/new", {**FORM, "what_we_built": text, "action": "save"}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Add alt text to each image" in html
    assert "tells people who cannot see the image" in html
    assert "![](https://example.org/map.png)</textarea>" in html
    assert db.session.scalars(select(CaseStudy)).all() == []
    described = text.replace("![]", "![Map of the three new service areas]")
    response = post_form(
        client, "/case-studies/new", {**FORM, "what_we_built": described, "action": "save"}
    )
    assert response.status_code == 302


def test_a_forum_post_with_a_raw_img_without_alt_is_refused(app, client, users):
    from dpse.forum import service as forum

    category = forum.get_or_create_category("general", "General")
    db.session.commit()
    login(client, "member@testshire.gov.uk")
    response = post_form(
        client,
        "/forum/new",
        {
            "category": category.slug,
            "title": "Our new header",
            "body": 'Here: <img src="https://example.org/header.png">',
            "action": "post",
        },
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Add alt text to each image" in html
    assert "Describe each image in the brackets" in html


def test_an_event_description_with_an_image_without_alt_is_refused(client, users):
    login(client, "organiser@testshire.gov.uk")
    response = post_form(
        client,
        "/events/new",
        {"title": "Open Councils", "description": "![](https://example.org/venue.jpg)"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Add alt text to each image" in html


def test_scroll_boxes_are_named_groups_not_landmarks():
    """A thread page can hold many posts with a code block each: as landmarks they would all
    need distinct names (axe's landmark-unique), so they are groups with a name."""
    html = render_markdown("```\nfirst\n```\n\n| a |\n|---|\n| 1 |\n\n```\nsecond\n```\n")
    assert html.count('role="group"') == 3 and 'role="region"' not in html
    assert html.count('aria-label="Code example"') == 2 and 'aria-label="Table"' in html
