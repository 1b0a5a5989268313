"""Forms of people's data rights: changing your email address and deleting your account
(a module beside forms.py, which holds sign-in and profile forms)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import PasswordField, RadioField, SelectChoice
from wtforms.validators import DataRequired, InputRequired

from dpse.accounts.forms import _email_field

KEEP, REMOVE = "keep", "remove"
CONTENT_CHOICES = [
    SelectChoice(
        KEEP, "Keep my public posts and case studies, shown as written by a former member"
    ),
    SelectChoice(REMOVE, "Remove my posts and the case studies I wrote alone"),
]
ADMIN_CONTENT_CHOICES = [
    SelectChoice(
        KEEP, "Keep their public posts and case studies, shown as written by a former member"
    ),
    SelectChoice(REMOVE, "Remove their posts and the case studies they wrote alone"),
]


class ChangeEmailForm(FlaskForm):
    """A new address, confirmed by a link sent to it; the password proves it is you."""

    email = _email_field("New email address")
    password = PasswordField("Your password", validators=[DataRequired("Enter your password")])


class DeleteAccountForm(FlaskForm):
    """What to do with your writing, and your password to confirm."""

    content = RadioField(
        "What should happen to what you wrote?",
        choices=CONTENT_CHOICES,
        validators=[InputRequired("Choose whether to keep or remove what you wrote")],
    )
    password = PasswordField(
        "Your password", validators=[DataRequired("Enter your password to delete your account")]
    )


class AdminDeleteAccountForm(FlaskForm):
    """An admin deleting an account on its owner's request chooses what they asked for."""

    content = RadioField(
        "What did they ask for?",
        choices=ADMIN_CONTENT_CHOICES,
        validators=[InputRequired("Choose whether to keep or remove what they wrote")],
    )
