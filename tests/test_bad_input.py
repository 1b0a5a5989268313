"""Bad input is a 4xx (or is ignored), never a 500: ids past what a database column holds,
unknown enum values, control characters in the path, and bodies that are not forms.

CI runs this file on PostgreSQL too, where INTEGER ends at 2^31-1 and NUL is refused."""

from __future__ import annotations

import pytest
from werkzeug.routing import Map, Rule

from dpse.web import MAX_ID, MAX_PAGE, IdConverter, bounded_int
from tests.casestudies.factories import make_case_study
from tests.conftest import csrf_token, login, post_form
from tests.forum.factories import make_thread

HUGE = [str(2**31), str(2**63), str(2**64), "9" * 40, "9" * 5000]


@pytest.fixture
def thread(users):
    """A thread by the member, with one reply."""
    return make_thread(users["member"], replies=1)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1", 1),
        (" 42 ", 42),
        ("007", 7),
        (str(MAX_ID), MAX_ID),
        (str(MAX_ID + 1), None),
        ("0", None),
        ("-1", None),
        ("+1", None),
        ("1.5", None),
        ("²", None),  # str.isdigit() says yes, int() says no
        ("١٢", None),  # int() would accept Arabic-Indic digits
        ("9" * 100_000, None),  # int() refuses more than 4,300 digits
        ("", None),
        (None, None),
    ],
)
def test_bounded_int_takes_plain_numbers_in_range(raw, expected):
    assert bounded_int(raw) == expected


def test_the_int_converter_matches_only_ids_a_column_can_hold():
    urls = Map([Rule("/p/<int:post_id>", endpoint="p")], converters={"int": IdConverter})
    adapter = urls.bind("dpse.test")
    assert adapter.match(f"/p/{MAX_ID}") == ("p", {"post_id": MAX_ID})
    for path in ["/p/0", f"/p/{MAX_ID + 1}", "/p/١٢", f"/p/{'9' * 5000}"]:
        with pytest.raises(Exception, match="404"):
            adapter.match(path)


@pytest.mark.parametrize("value", ["%20", "%09", "%0A", "+", "%C2%A0", "online%20", "x"])
def test_an_unknown_event_format_is_ignored(client, users, value):
    response = client.get(f"/events?format={value}")
    assert response.status_code == 200
    assert "Any format" in response.get_data(as_text=True)


def test_a_known_event_format_still_filters(client, users):
    assert client.get("/events?format=online").status_code == 200


@pytest.mark.parametrize("number", HUGE)
@pytest.mark.parametrize(
    ("who", "path"),
    [
        (None, "/people/{n}"),
        (None, "/forum/t/{n}"),
        (None, "/forum/t/{n}-a-slug"),
        (None, "/forum/p/{n}"),
        (None, "/forum/p/{n}/history"),
        ("member", "/notifications/{n}"),
        ("admin", "/admin/users/{n}"),
        ("member", "/forum/discuss/case_study/{n}"),
        ("member", "/forum/discuss/event/{n}"),
        ("moderator", "/moderation/flag/post/{n}"),
    ],
)
def test_out_of_range_ids_in_the_path_are_not_found(client, users, who, path, number):
    if who:
        login(client, f"{who}@testshire.gov.uk")
    assert client.get(path.format(n=number)).status_code == 404


@pytest.mark.parametrize("number", [*HUGE, "-1", "0", "²", "1e9"])
def test_out_of_range_numbers_in_the_query_are_ignored(client, users, thread, number):
    login(client, "admin@testshire.gov.uk")
    cs = make_case_study(users["member"], status="published", moderator=users["moderator"])
    reply = f"/forum/t/{thread.id}-{thread.slug}/reply?quote={number}"
    ok = [
        reply,
        f"/case-studies?year={number}",
        f"/case-studies?page={number}",
        f"/organisations/testshire-council?page={number}",
        f"/admin/users?page={number}",
        f"/forum/drupal?page={number}",
        f"/forum/t/{thread.id}-{thread.slug}?page={number}",
        f"/notifications?page={number}",
        f"/moderation/audit?page={number}",
        f"/search?q=drupal&page={number}&year={number}",
        f"/events?page={number}",
    ]
    for url in ok:
        response = client.get(url)
        assert response.status_code == 200, url
    # The reply form is there, empty: the quote was ignored.
    assert "wrote:" not in client.get(reply).get_data(as_text=True)
    compare = f"/case-studies/{cs.slug}/history/compare?from={number}&to=1"
    assert client.get(compare).status_code == 400


def test_a_page_past_the_end_is_an_empty_page(client, users):
    login(client, "admin@testshire.gov.uk")
    response = client.get(f"/admin/users?page={MAX_PAGE + 5}")
    assert response.status_code == 200
    assert "admin@testshire.gov.uk" not in response.get_data(as_text=True)


@pytest.mark.parametrize("number", HUGE)
def test_following_an_out_of_range_target_is_a_bad_request(client, users, number):
    login(client, "member@testshire.gov.uk")
    data = {"target_type": "thread", "target_id": number}
    response = post_form(client, "/notifications/follow", data, form_url="/notifications/settings")
    assert response.status_code == 400


@pytest.mark.parametrize("number", [*HUGE, "²", "-5"])
def test_marking_read_up_to_an_out_of_range_id_marks_everything(client, users, number):
    login(client, "member@testshire.gov.uk")
    data = {"up_to": number}
    response = post_form(client, "/notifications/read", data, form_url="/notifications")
    assert response.status_code == 302


@pytest.mark.parametrize(
    "path",
    [
        "/case-studies/a%00b",
        "/forum/%00",
        "/tags/%00",
        "/organisations/x%00",
        "/events/%01",
        "/people/1%00",
        "/case-studies/a%1Bb/history",
        "/forum/a%7F",
        "/tags/a%C2%85b",  # NEL, a C1 control
        "/%00",
        "/search%00",
    ],
)
def test_control_characters_in_the_path_are_not_found(client, users, path):
    response = client.get(path)
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


def test_a_post_to_a_path_with_a_control_character_is_not_found(client, users):
    token = csrf_token(client)
    response = client.post("/case-studies/a%00b/helpful", data={"csrf_token": token})
    assert response.status_code == 404


FORM_URLS = ["/login", "/register", "/forgot-password", "/case-studies/new", "/forum/new"]


@pytest.mark.parametrize("url", FORM_URLS)
@pytest.mark.parametrize("body", [[1, 2], "text", 7, True, {"email": ["a", 1]}, {}])
def test_json_sent_to_a_form_is_a_bad_request(client, users, url, body):
    if url.startswith(("/case-studies", "/forum")):
        login(client, "member@testshire.gov.uk")
    token = csrf_token(client, url)
    response = client.post(url, json=body, headers={"X-CSRFToken": token})
    assert response.status_code == 400
    assert "Not a form" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("text/plain", b"email=a@b.c&password=x"),
        ("application/xml", b"<login/>"),
        ("application/octet-stream", b"\xff\xfe\x00"),
        ("application/json", b"\xff\xfe not json"),
    ],
)
def test_other_content_types_are_a_bad_request(client, users, content_type, body):
    token = csrf_token(client)
    response = client.post(
        "/login", data=body, content_type=content_type, headers={"X-CSRFToken": token}
    )
    assert response.status_code == 400


def test_a_file_sent_to_a_form_is_a_bad_request(client, users):
    from io import BytesIO

    token = csrf_token(client)
    data = {"csrf_token": token, "email": (BytesIO(b"x"), "a.txt"), "password": "x"}
    response = client.post("/login", data=data, content_type="multipart/form-data")
    assert response.status_code == 400


def test_a_multipart_form_without_files_still_works(client, users):
    token = csrf_token(client)
    data = {"csrf_token": token, "email": "member@testshire.gov.uk", "password": "wrong"}
    response = client.post("/login", data=data, content_type="multipart/form-data")
    assert response.status_code in (200, 400)
    assert "email" in response.get_data(as_text=True)


def test_invalid_utf8_in_a_form_body_keeps_the_form(client, users):
    token = csrf_token(client)
    body = b"csrf_token=" + token.encode() + b"&email=%FF%FEx%C0%AF&password=%ED%A0%80"
    response = client.post("/login", data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code in (200, 400)
    assert 'name="email"' in response.get_data(as_text=True)
