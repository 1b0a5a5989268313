"""Forms for sign-up, sign-in, passwords, profiles and user administration."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
)
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from dpse.accounts.models import (
    BIO_MAX,
    DISPLAY_NAME_MAX,
    EMAIL_MAX,
    HANDLE_MAX,
    JOB_TITLE_MAX,
    KIND_LABELS,
    ORGANISATION_COUNTRY_MAX,
    ORGANISATION_DOMAINS_MAX,
    ORGANISATION_NAME_MAX,
    ORGANISATION_WEBSITE_MAX,
    PASSWORD_MAX,
    PASSWORD_MIN,
    OrganisationKind,
)
from dpse.accounts.roles import Role
from dpse.fields import must_be_at_most, optional_area, optional_line

EMAIL_MESSAGE = "Enter an email address in the correct format, like name@council.gov.uk"


def _email_field(label: str = "Email address") -> EmailField:
    return EmailField(
        label,
        validators=[
            DataRequired("Enter your email address"),
            Length(
                max=EMAIL_MAX, message=f"Email address must be {EMAIL_MAX:,} characters or fewer"
            ),
            Email(EMAIL_MESSAGE, check_deliverability=False),
        ],
    )


def _new_password_field(label: str) -> PasswordField:
    return PasswordField(
        label,
        validators=[
            DataRequired("Enter a password"),
            Length(
                min=PASSWORD_MIN,
                max=PASSWORD_MAX,
                message=f"Password must be at least {PASSWORD_MIN} characters",
            ),
        ],
        description=f"At least {PASSWORD_MIN} characters. A few unrelated words work well.",
    )


def _confirm_field(password_field: str, new: bool = True) -> PasswordField:
    """The password typed again; ``new`` when it replaces an existing one."""
    what = "new password" if new else "password"
    return PasswordField(
        f"Confirm {what}",
        validators=[
            DataRequired(f"Enter the {what} again"),
            EqualTo(password_field, message="The passwords do not match"),
        ],
    )


def _display_name_field(description: str = "") -> StringField:
    return StringField(
        "Your name",
        validators=[
            DataRequired("Enter your name as others should see it"),
            Length(
                max=DISPLAY_NAME_MAX,
                message=f"Name must be {DISPLAY_NAME_MAX:,} characters or fewer",
            ),
        ],
        description=description,
    )


def _optional_int(value: object) -> int | None:
    try:
        return int(value) if value not in (None, "", "None") else None  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return -1  # not a choice: fails pre_validate with a clear message


class LoginForm(FlaskForm):
    """Email and password."""

    email = _email_field()
    password = PasswordField("Password", validators=[DataRequired("Enter your password")])
    remember = BooleanField("Keep me signed in on this device")


def _handle_field(description: str) -> StringField:
    return StringField(
        "Handle",
        validators=[Optional(), must_be_at_most(HANDLE_MAX, "Handle")],
        description=description,
    )


class RegisterForm(FlaskForm):
    """Create an account."""

    email = _email_field()
    display_name = _display_name_field("Shown next to what you write.")
    handle = _handle_field(
        "Your unique name here, shown beside your name and used to mention you (@mina-member): "
        "3 to 30 letters, digits and hyphens. Leave it empty to get one made from your name."
    )
    organisation_id = SelectField(
        "Organisation", coerce=_optional_int, validate_choice=True, validators=[Optional()]
    )
    new_organisation = StringField(
        "Or, if it is not listed, your organisation's name",
        validators=[Optional(), must_be_at_most(ORGANISATION_NAME_MAX, "Name")],
    )
    new_organisation_kind = SelectField(
        "Kind of organisation",
        choices=[SelectChoice(k.value, label) for k, label in KIND_LABELS.items()],
        default=OrganisationKind.COUNCIL.value,
        description="Only needed when you typed a new organisation's name.",
    )
    password = _new_password_field("Password")
    confirm = _confirm_field("password", new=False)

    def validate(self, extra_validators: object = None) -> bool:  # type: ignore[override]
        ok = super().validate(extra_validators)  # type: ignore[arg-type]
        if not self.organisation_id.data and not (self.new_organisation.data or "").strip():
            self.organisation_id.errors = list(self.organisation_id.errors) + [
                "Choose your organisation, or enter its name if it is not listed"
            ]
            ok = False
        return ok


class ChangePasswordForm(FlaskForm):
    """Change a password while signed in."""

    current_password = PasswordField(
        "Current password", validators=[DataRequired("Enter your current password")]
    )
    new_password = _new_password_field("New password")
    confirm = _confirm_field("new_password")


class ForgotPasswordForm(FlaskForm):
    """Ask for a reset link."""

    email = _email_field()


class ResetPasswordForm(FlaskForm):
    """Choose a new password from a reset link."""

    password = _new_password_field("New password")
    confirm = _confirm_field("password")


class ProfileForm(FlaskForm):
    """What others see about you."""

    display_name = _display_name_field()
    handle = _handle_field(
        "3 to 30 letters, digits and hyphens. You can change it once in 30 days; your old "
        "profile address keeps leading here."
    )
    job_title = StringField(
        "Job title",
        validators=[Optional(), must_be_at_most(JOB_TITLE_MAX, "Job title")],
    )
    organisation_id = SelectField(
        "Organisation", coerce=_optional_int, validate_choice=True, validators=[Optional()]
    )
    bio = optional_area(
        "About you",
        BIO_MAX,
        "this",
        description="Markdown is supported. What you work on, what you can help others with.",
    )


class AdminUserForm(FlaskForm):
    """An admin's controls for one account."""

    role = SelectField("Role", choices=[SelectChoice(r.value, r.label) for r in Role])
    active = BooleanField("Account is active (unticked: the person is signed out and blocked)")


class ConfirmForm(FlaskForm):
    """A form with only a CSRF token, for buttons that change something."""


# Two-factor sign-in (dpse.accounts.twofactor). Codes are checked by the service, not here:
# a wrong code is an answer about the account, not about what was typed.
ONE_TIME_CODE_MAX = 20  # six digits, with room for the spaces people type


class TwoFactorCodeForm(FlaskForm):
    """A 6-digit code from the authenticator app."""

    code = StringField(
        "Code from your authenticator app",
        validators=[
            DataRequired("Enter the 6-digit code from your authenticator app"),
            Length(max=ONE_TIME_CODE_MAX, message="Enter the 6 digits your app shows now"),
        ],
        description="The 6 digits your app shows for this site now, for example 123456.",
        render_kw={"inputmode": "numeric", "spellcheck": "false", "autocapitalize": "off"},
    )


class RecoveryCodeForm(FlaskForm):
    """One of the account's saved recovery codes."""

    recovery_code = StringField(
        "Recovery code",
        validators=[
            DataRequired("Enter one of your recovery codes"),
            Length(max=ONE_TIME_CODE_MAX, message="Enter a code like abcd-2345"),
        ],
        description="One of the codes you saved when you set this up, like abcd-2345. "
        "Each one works once.",
        render_kw={"spellcheck": "false", "autocapitalize": "off"},
    )


class TwoFactorDisableForm(FlaskForm):
    """Turning two-factor sign-in off asks for the password."""

    password = PasswordField(
        "Your password",
        validators=[
            DataRequired("Enter your password"),
            Length(max=PASSWORD_MAX, message="Your password is not right"),
        ],
    )


class OrganisationForm(FlaskForm):
    """An admin's form for one organisation."""

    name = StringField(
        "Name",
        validators=[
            DataRequired("Enter the organisation's name"),
            must_be_at_most(ORGANISATION_NAME_MAX, "Name"),
        ],
    )
    kind = SelectField(
        "Kind of organisation",
        choices=[SelectChoice(k.value, label) for k, label in KIND_LABELS.items()],
    )
    country = optional_line("Country", ORGANISATION_COUNTRY_MAX)
    website = optional_line("Website", ORGANISATION_WEBSITE_MAX)
    domains = optional_area(
        "Verified email domains",
        ORGANISATION_DOMAINS_MAX,
        "the list",
        description=(
            "Separated by commas, e.g. northvale.gov.uk, northvale-council.org.uk. Someone who "
            "confirms an address at one of them (or a subdomain) is a verified member at once; "
            "anyone else waits for an admin's approval."
        ),
    )


class MergeOrganisationForm(FlaskForm):
    """Which organisation this one merges into."""

    target = SelectField("Merge into", coerce=int, validate_choice=True)


class ProviderAccountForm(FlaskForm):
    """The account for someone who signed in with their organisation's identity provider:
    the address comes from the provider; the name, the handle and (when the address's domain
    names none) the organisation are theirs to choose."""

    display_name = _display_name_field("Shown next to what you write.")
    handle = _handle_field(
        "Your unique name here, shown beside your name and used to mention you (@mina-member): "
        "3 to 30 letters, digits and hyphens. Leave it empty to get one made from your name."
    )
    organisation_id = SelectField(
        "Organisation", coerce=_optional_int, validate_choice=True, validators=[Optional()]
    )
    new_organisation = StringField(
        "Or, if it is not listed, your organisation's name",
        validators=[Optional(), must_be_at_most(ORGANISATION_NAME_MAX, "Name")],
    )
    new_organisation_kind = SelectField(
        "Kind of organisation",
        choices=[SelectChoice(k.value, label) for k, label in KIND_LABELS.items()],
        default=OrganisationKind.COUNCIL.value,
        description="Only needed when you typed a new organisation's name.",
    )
