"""Deleting an account: keep the writing as "former member" or remove it; personal data goes,
sessions end, search and the directory forget the person, the audit keeps no personal data."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from dpse.accounts.models import User
from dpse.audit import AuditLog
from dpse.casestudies.models import CaseStudy
from dpse.extensions import db
from dpse.forum.models import Post
from dpse.mail import OutboxEmail
from dpse.notifications import service as notifications
from dpse.notifications.models import Subscription, TargetType
from dpse.saved_searches.models import SavedSearch
from tests.casestudies.factories import make_case_study
from tests.conftest import PASSWORD, login, post_form
from tests.forum.factories import make_thread


def _delete(client, choice: str, password: str = PASSWORD):
    return post_form(client, "/account/delete", {"content": choice, "password": password})


def _content(users):
    member = users["member"]
    current_app.config["HOLD_FIRST_POSTS"] = 0  # their posts show at once
    alone = make_case_study(member, "published", title="Zanzibarian portal we built alone")
    shared = make_case_study(
        member,
        "published",
        title="Shared Quokkaville migration",
        co_author_emails=[users["organiser"].email],
    )
    thread = make_thread(member, title="Xylophonic CKAN question", replies=1)
    notifications.follow(member, TargetType.THREAD, thread.id)
    db.session.add(SavedSearch(user_id=member.id, query_string="q=ckan", label="CKAN"))
    db.session.commit()
    return alone, shared, thread


def test_remove_takes_away_their_writing_and_leaves_coauthored_work(client, app, users):
    member = users["member"]
    alone, shared, thread = _content(users)
    alone_id, shared_id = alone.id, shared.id
    assert "Xylophonic" in client.get("/search?q=xylophonic").get_data(as_text=True)
    assert "Member Person" in client.get("/people?q=Member").get_data(as_text=True)
    login(client, member.email)
    elsewhere = app.test_client()
    login(elsewhere, member.email)
    assert elsewhere.get("/account").status_code == 200
    confirm = client.get("/account/delete").get_data(as_text=True)
    assert "cannot be undone" in confirm
    done = _delete(client, "remove")
    assert done.status_code == 302
    # signed out here and everywhere else
    assert client.get("/account").status_code == 302
    assert elsewhere.get("/account").status_code == 302
    assert db.session.get(CaseStudy, alone_id) is None
    kept = db.session.get(CaseStudy, shared_id)
    assert [a.user_id for a in kept.authors] == [users["organiser"].id]
    posts = db.session.scalars(select(Post).where(Post.author_id == member.id)).all()
    assert posts and all(p.hidden_at is not None and p.body == "" for p in posts)
    # search and the directory forget them at once
    assert "Xylophonic" not in client.get("/search?q=xylophonic").get_data(as_text=True)
    assert "Zanzibarian" not in client.get("/search?q=zanzibarian").get_data(as_text=True)
    assert "Member Person" not in client.get("/people?q=Member").get_data(as_text=True)
    assert client.get("/people/member-person").status_code == 404
    gone = db.session.get(User, member.id)
    assert gone.email != "member@testshire.gov.uk" and gone.display_name == "Former member"
    assert gone.password_hash == "!" and gone.organisation_id is None and gone.bio == ""
    assert db.session.scalar(select(Subscription).where(Subscription.user_id == member.id)) is None
    assert db.session.scalar(select(SavedSearch).where(SavedSearch.user_id == member.id)) is None
    # no email to them is kept or still waits to go
    outbox = db.session.scalars(select(OutboxEmail.recipient)).all()
    assert outbox and "member@testshire.gov.uk" not in outbox
    # the old password signs in no more
    assert login(app.test_client(), "member@testshire.gov.uk").status_code != 302
    (entry,) = db.session.scalars(select(AuditLog).where(AuditLog.action == "delete_account"))
    assert entry.detail == "Account deleted by its owner" and entry.target_id == member.id
    for personal in ("member@testshire.gov.uk", "Member Person", "member-person"):
        assert personal not in entry.detail


def test_keep_shows_their_writing_as_former_member_without_a_link(client, users):
    member = users["member"]
    alone, _shared, thread = _content(users)
    slug, thread_url = alone.slug, f"/forum/t/{thread.id}-{thread.slug}"
    login(client, member.email)
    assert _delete(client, "keep").status_code == 302
    page = client.get(f"/case-studies/{slug}").get_data(as_text=True)
    assert "Zanzibarian portal" in page
    assert "Former member" in page and "Member Person" not in page
    assert "/people/member-person" not in page
    discussion = client.get(thread_url).get_data(as_text=True)
    assert "Former member" in discussion and "Member Person" not in discussion
    assert "Xylophonic" in client.get("/search?q=xylophonic").get_data(as_text=True)


def test_a_wrong_password_or_no_choice_deletes_nothing(client, users):
    login(client, users["member"].email)
    wrong = _delete(client, "keep", "not my password at all")
    assert wrong.status_code == 400
    assert "Your password is not right" in wrong.get_data(as_text=True)
    none = post_form(client, "/account/delete", {"password": PASSWORD})
    assert none.status_code == 400
    assert "Choose whether to keep or remove" in none.get_data(as_text=True)
    assert db.session.get(User, users["member"].id).deleted_at is None


def test_admins_delete_on_request_after_a_confirmation_page(client, users):
    target = users["member"]
    login(client, users["admin"].email)
    assert "Delete the account of Member Person" in client.get(
        f"/admin/users/{target.id}"
    ).get_data(as_text=True)
    url = f"/admin/users/{target.id}/delete"
    assert "asked for it" in client.get(url).get_data(as_text=True)
    assert post_form(client, url, {"content": "keep"}).status_code == 302
    assert db.session.get(User, target.id).is_deleted
    entry = db.session.scalars(select(AuditLog).where(AuditLog.action == "delete_account")).one()
    assert entry.detail == "Account deleted by an admin on request"
    assert client.get(url).status_code == 404
    assert client.get(f"/admin/users/{target.id}").status_code == 404
    assert "Former member" not in client.get("/admin/users").get_data(as_text=True)


def test_only_admins_delete_others(client, users):
    login(client, users["moderator"].email)
    assert client.get(f"/admin/users/{users['member'].id}/delete").status_code in (403, 404)


def test_their_seat_goes_to_the_first_person_waiting(users, make_event):
    from dpse.accounts.deletion import delete_own_account
    from dpse.events.models import Registration, RegistrationStatus
    from dpse.events.registrations import register_for_event

    event = make_event(capacity=1)
    register_for_event(event, users["member"])
    waiting = register_for_event(event, users["supplier"])
    assert waiting.status == RegistrationStatus.WAITLISTED
    delete_own_account(users["member"], PASSWORD, remove_content=False)
    mine = select(Registration).where(Registration.user_id == users["member"].id)
    assert db.session.scalar(mine) is None
    db.session.refresh(waiting)
    assert waiting.status == RegistrationStatus.GOING
    db.session.refresh(event)
    assert event.going_count == 1


def test_what_pointed_at_a_removed_case_study_goes_with_it(users, make_event):
    from dpse.accounts.deletion import delete_own_account
    from dpse.casestudies import service as casestudies
    from dpse.casestudies.models import HelpfulMark
    from dpse.events.models import event_case_study
    from dpse.forum import service as forum
    from dpse.forum.models import Thread
    from dpse.moderation import service as moderation
    from dpse.moderation.models import Flag

    current_app.config["HOLD_FIRST_POSTS"] = 0
    member, other = users["member"], users["organiser"]
    cs = make_case_study(member, "published", title="A study about to go")
    cs_id = cs.id
    forum.comment(other, "case_study", cs_id, "Thanks, this helped us.")
    moderation.flag_case_study(other, cs, "The budget figure looks wrong")
    casestudies.set_helpful(other, cs, True)
    event = make_event()
    db.session.execute(event_case_study.insert().values(event_id=event.id, case_study_id=cs_id))
    db.session.commit()
    delete_own_account(member, PASSWORD, remove_content=True)
    assert db.session.get(CaseStudy, cs_id) is None
    assert db.session.scalar(select(Flag).where(Flag.case_study_id == cs_id)) is None
    assert db.session.scalar(select(HelpfulMark).where(HelpfulMark.case_study_id == cs_id)) is None
    links = select(event_case_study).where(event_case_study.c.case_study_id == cs_id)
    assert db.session.execute(links).first() is None
    discussion = db.session.scalars(select(Thread)).one()
    assert discussion.case_study_id is None and not discussion.visible
