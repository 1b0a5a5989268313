"""@mentions: which names a post mentions, and whom they reach."""

from __future__ import annotations

import pytest

from dpse.accounts.service import create_user
from dpse.forum.mentions import mention_key, mentioned_keys, mentioned_users
from tests.conftest import PASSWORD


@pytest.mark.parametrize(
    ("body", "keys"),
    [
        ("Thanks @Mina-Member!", ["mina-member"]),
        ('Ask @"Mina Member" about it', ["mina-member"]),
        ("@mina-member, @MINA-MEMBER and @Mina-Member.", ["mina-member"]),
        ("@Lotte-de-Vries and @Sam", ["lotte-de-vries", "sam"]),
        ("Write to mina@harbourside.gov.uk", []),
        ("> @Quoted-Person said so\n\nI agree", []),
        ("Run `@decorator` and\n\n```\n@Code-Person\n```\n", []),
        ('An @ on its own, or @- or @""', []),
        ("Trailing hyphen @Mina-Member- please", ["mina-member"]),
    ],
)
def test_mentioned_keys(body, keys):
    assert mentioned_keys(body) == keys


def test_mention_key_turns_spaces_into_hyphens():
    assert mention_key("  Lotte  de Vries ") == "lotte-de-vries"


def test_mentioned_users_match_display_names_case_insensitively(users):
    inactive = create_user("gone@testshire.gov.uk", "Gone Person", PASSWORD, verified=True)
    inactive.active = False
    found = mentioned_users(
        '@member-person and @"Supplier Person" and @Gone-Person and @Nobody-Here'
    )
    assert [u.email for u in found] == ["member@testshire.gov.uk", "supplier@testshire.gov.uk"]
