"""@mentions: which handles a post mentions, whom they reach, and how they render."""

from __future__ import annotations

import pytest

from dpse.accounts.service import create_user
from dpse.content import render_markdown
from dpse.forum.mentions import mentioned_handles, mentioned_users
from tests.conftest import PASSWORD


@pytest.mark.parametrize(
    ("body", "handles"),
    [
        ("Thanks @mina-member!", ["mina-member"]),
        ("@mina-member, @MINA-MEMBER and @Mina-Member.", ["mina-member"]),
        ("@lotte-de-vries and @sam", ["lotte-de-vries", "sam"]),
        ("Write to mina@harbourside.gov.uk", []),
        ("> @quoted-person said so\n\nI agree", []),
        ("Run `@decorator` and\n\n```\n@code-person\n```\n", []),
        ('An @ on its own, or @- or @"" or @12345', []),
        ("Trailing hyphen @mina-member- please", []),
    ],
)
def test_mentioned_handles(body, handles):
    assert mentioned_handles(body) == handles


def test_a_mention_reaches_exactly_the_person_with_that_handle(users):
    """Two people may share a display name; a handle names one of them."""
    twin = create_user(
        "twin@testshire.gov.uk", "Member Person", PASSWORD, verified=True, handle="member-twin"
    )
    inactive = create_user("gone@testshire.gov.uk", "Gone Person", PASSWORD, verified=True)
    inactive.active = False
    found = mentioned_users("@member-person and @Supplier-Person and @gone-person and @nobody")
    assert [u.email for u in found] == ["member@testshire.gov.uk", "supplier@testshire.gov.uk"]
    assert mentioned_users("@member-twin") == [twin]


def test_a_mention_renders_as_a_link_to_the_profile():
    html = render_markdown("Ask @Mina-Member, not mina@harbourside.gov.uk")
    assert '<a href="/people/mina-member" rel="nofollow ugc noopener">@Mina-Member</a>' in html
    assert "mina@harbourside.gov.uk" in html and html.count("<a ") == 1
