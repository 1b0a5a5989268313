"""The named permission predicates used by views, services and templates alike."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NoReturn

from flask import abort

from dpse.accounts.roles import Role

if TYPE_CHECKING:
    from dpse.accounts.models import Organisation, User
    from dpse.casestudies.models import CaseStudy
    from dpse.events.models import Event, Registration
    from dpse.forum.models import Post, Thread


def _authenticated(user: Any) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False))


def is_admin(user: User | Any) -> bool:
    """Admins manage users, roles, categories and organisations."""
    return _authenticated(user) and user.role == Role.ADMIN


def can_moderate(user: User | Any) -> bool:
    """Moderators and admins run the review queue and moderate discussions."""
    return _authenticated(user) and user.role in (Role.MODERATOR, Role.ADMIN)


def can_organise_events(user: User | Any) -> bool:
    """Organisers (and moderators, admins) create and manage events."""
    return _authenticated(user) and user.role in (Role.ORGANISER, Role.MODERATOR, Role.ADMIN)


def can_contribute(user: User | Any) -> bool:
    """Any signed-in, active account may write case studies, post and register."""
    return _authenticated(user) and user.is_active


def can_view_profile(viewer: User | Any, profile: User) -> bool:
    """Deactivated accounts' profiles are visible to admins only; deleted ones to nobody."""
    return profile.deleted_at is None and (profile.active or is_admin(viewer))


def can_edit_profile(user: User | Any, profile: User) -> bool:
    """People edit their own profile; admins anyone's."""
    return _authenticated(user) and (user.id == profile.id or is_admin(user))


def can_manage_users(user: User | Any) -> bool:
    """Only admins change roles and deactivate accounts."""
    return is_admin(user)


def can_change_role(user: User | Any, target: User) -> bool:
    """Admins change others' roles, never their own (so the last admin cannot lock everyone out)."""
    return is_admin(user) and user.id != target.id


def can_edit_organisation(user: User | Any, organisation: Organisation) -> bool:
    """Organisation details are kept by admins."""
    return is_admin(user)


def is_case_study_author(user: User | Any, case_study: CaseStudy) -> bool:
    """One of the case study's authors."""
    return _authenticated(user) and any(a.user_id == user.id for a in case_study.authors)


def can_create_case_study(user: User | Any) -> bool:
    """Members, suppliers, organisers (and moderators, admins) write case studies."""
    return can_contribute(user)


def can_view_case_study(user: User | Any, case_study: CaseStudy) -> bool:
    """Published and archived ones are public; drafts only for authors and moderators."""
    if case_study.is_public:
        return True
    return can_moderate(user) or is_case_study_author(user, case_study)


def can_edit_case_study(user: User | Any, case_study: CaseStudy) -> bool:
    """Authors and moderators edit; nobody else."""
    return can_moderate(user) or is_case_study_author(user, case_study)


def can_submit_case_study(user: User | Any, case_study: CaseStudy) -> bool:
    """Authors send drafts and returned case studies for review."""
    return (case_study.is_draft or case_study.is_returned) and (
        is_case_study_author(user, case_study) or can_moderate(user)
    )


def can_review_case_study(user: User | Any, case_study: CaseStudy) -> bool:
    """Moderators publish or return what was submitted."""
    return can_moderate(user) and case_study.is_submitted


def can_publish_case_study(user: User | Any, case_study: CaseStudy) -> bool:
    """Moderators publish submitted case studies, or bring archived ones back."""
    return can_moderate(user) and (case_study.is_submitted or case_study.is_archived)


def can_archive_case_study(user: User | Any, case_study: CaseStudy) -> bool:
    """Authors and moderators archive a published case study."""
    return case_study.is_published and can_edit_case_study(user, case_study)


def can_delete_case_study(user: User | Any, case_study: CaseStudy) -> bool:
    """Never-published case studies can be thrown away by their authors or moderators."""
    return case_study.published_at is None and can_edit_case_study(user, case_study)


def can_view_case_study_history(user: User | Any, case_study: CaseStudy) -> bool:
    """Revisions (which may hold unpublished drafts) are for authors and moderators."""
    return can_edit_case_study(user, case_study)


def can_restore_case_study_revision(user: User | Any, case_study: CaseStudy) -> bool:
    """Only moderators roll content back."""
    return can_moderate(user)


def can_mark_helpful(user: User | Any, case_study: CaseStudy) -> bool:
    """Signed-in people mark others' published case studies helpful."""
    return (
        can_contribute(user)
        and case_study.is_published
        and not is_case_study_author(user, case_study)
    )


# Forum, comments, flags and follows. Moderators and admins see everything; hidden posts
# are for their eyes only, and posts held for review for theirs and their author's.


def can_post(user: User | Any) -> bool:
    """Signed-in, active accounts start threads, reply and comment."""
    return can_contribute(user)


def can_view_thread(user: User | Any, thread: Thread) -> bool:
    """Visible threads are public; a held one is for its author and moderators, a hidden one
    for moderators only."""
    if thread.visible or can_moderate(user):
        return True
    return thread.held_for_review and _authenticated(user) and thread.author_id == user.id


def can_view_post(user: User | Any, post: Post) -> bool:
    """Hidden posts only for moderators; held posts for their author too."""
    if can_moderate(user) or (post.hidden_at is None and not post.held_for_review):
        return True
    return post.hidden_at is None and _authenticated(user) and post.author_id == user.id


def can_reply(user: User | Any, thread: Thread) -> bool:
    """Anyone who may post replies to a thread they can see, unless it is locked."""
    return can_post(user) and not thread.locked and can_view_thread(user, thread)


def can_edit_post(user: User | Any, post: Post) -> bool:
    """Authors edit their own posts while the thread is open and the post is not hidden."""
    return (
        can_contribute(user)
        and post.author_id == user.id
        and post.hidden_at is None
        and not post.thread.locked
    )


def can_delete_post(user: User | Any, post: Post) -> bool:
    """Authors take down their own posts, on the same terms as editing them."""
    return can_edit_post(user, post)


def can_view_post_history(user: User | Any, post: Post) -> bool:
    """Earlier versions of a post are for moderators."""
    return can_moderate(user)


def can_flag_post(user: User | Any, post: Post) -> bool:
    """Members report others' visible posts to the moderators."""
    return can_contribute(user) and post.author_id != user.id and post.is_public


def can_flag_case_study(user: User | Any, case_study: CaseStudy) -> bool:
    """Members report published case studies they did not write."""
    return (
        can_contribute(user)
        and case_study.is_published
        and not is_case_study_author(user, case_study)
    )


def can_moderate_forum(user: User | Any) -> bool:
    """Hide and restore posts, release held ones, pin, lock and move threads, handle flags."""
    return can_moderate(user)


def can_manage_categories(user: User | Any) -> bool:
    """Admins add, rename and order the forum's categories."""
    return is_admin(user)


def can_follow(user: User | Any) -> bool:
    """Signed-in people follow threads, case studies, events and tags."""
    return can_contribute(user)


def can_manage_event(user: User | Any, event: Event) -> bool:
    """Organisers edit, message and see the attendees of their own events; moderators, admins
    of any event."""
    return can_organise_events(user) and (event.organiser_id == user.id or can_moderate(user))


def can_register_for_events(user: User | Any) -> bool:
    """Any signed-in, active account may take a place at an event."""
    return can_contribute(user)


def can_see_joining_link(user: User | Any, event: Event, registration: Registration | None) -> bool:
    """The online joining link is for people with a place, and for whoever manages the event."""
    if can_manage_event(user, event):
        return True
    return (
        _authenticated(user)
        and registration is not None
        and registration.user_id == user.id
        and registration.is_going
    )


def can_edit_site_pages(user: User | Any) -> bool:
    """Admins change the accessibility statement, privacy notice, terms and contact page."""
    return is_admin(user)


def can_handle_accessibility_reports(user: User | Any) -> bool:
    """Admins see accessibility problem reports and mark them handled."""
    return is_admin(user)


def require(ok: bool) -> None | NoReturn:
    """Abort with 403 unless the permission holds."""
    if not ok:
        abort(403)
    return None


PREDICATES = {
    "is_admin": is_admin,
    "can_moderate": can_moderate,
    "can_organise_events": can_organise_events,
    "can_contribute": can_contribute,
    "can_view_profile": can_view_profile,
    "can_edit_profile": can_edit_profile,
    "can_manage_users": can_manage_users,
    "can_change_role": can_change_role,
    "can_edit_organisation": can_edit_organisation,
    "is_case_study_author": is_case_study_author,
    "can_create_case_study": can_create_case_study,
    "can_view_case_study": can_view_case_study,
    "can_edit_case_study": can_edit_case_study,
    "can_submit_case_study": can_submit_case_study,
    "can_review_case_study": can_review_case_study,
    "can_publish_case_study": can_publish_case_study,
    "can_archive_case_study": can_archive_case_study,
    "can_delete_case_study": can_delete_case_study,
    "can_view_case_study_history": can_view_case_study_history,
    "can_restore_case_study_revision": can_restore_case_study_revision,
    "can_mark_helpful": can_mark_helpful,
    "can_post": can_post,
    "can_view_thread": can_view_thread,
    "can_view_post": can_view_post,
    "can_reply": can_reply,
    "can_edit_post": can_edit_post,
    "can_delete_post": can_delete_post,
    "can_view_post_history": can_view_post_history,
    "can_flag_post": can_flag_post,
    "can_flag_case_study": can_flag_case_study,
    "can_moderate_forum": can_moderate_forum,
    "can_manage_categories": can_manage_categories,
    "can_follow": can_follow,
    "can_manage_event": can_manage_event,
    "can_register_for_events": can_register_for_events,
    "can_see_joining_link": can_see_joining_link,
    "can_edit_site_pages": can_edit_site_pages,
    "can_handle_accessibility_reports": can_handle_accessibility_reports,
}
