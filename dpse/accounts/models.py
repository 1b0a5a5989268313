"""Organisations and user accounts."""

from __future__ import annotations

import enum
import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dpse.accounts.roles import Role
from dpse.extensions import db
from dpse.mixins import TimestampMixin, UTCDateTime, string_enum, utcnow
from dpse.rendering import RenderedMarkdown, StoredHTML

# Field limits: the columns, forms and services all take them from here.
EMAIL_MAX = 254  # RFC 5321's longest usable address
DISPLAY_NAME_MAX = 100
JOB_TITLE_MAX = 150
BIO_MAX = 5000
ORGANISATION_NAME_MAX = 200
ORGANISATION_COUNTRY_MAX = 100
ORGANISATION_WEBSITE_MAX = 500
ORGANISATION_DOMAINS_MAX = 1000
PASSWORD_MIN = 12
HANDLE_MIN, HANDLE_MAX = 3, 30
RECOVERY_CODES = 10
IDENTITY_PROVIDER_MAX, IDENTITY_ISSUER_MAX, IDENTITY_SUBJECT_MAX = 40, 500, 255  # OIDC: sub ≤ 255
PASSWORD_MAX = 1024  # a KDF over megabytes of input is a denial of service


class OrganisationKind(enum.StrEnum):
    """What sort of body an organisation is; suppliers' content is labelled as such."""

    COUNCIL = "council"
    CENTRAL_GOVERNMENT = "central-government"
    HEALTH = "health"
    EDUCATION = "education"
    POLICE_JUSTICE = "police-justice"
    CHARITY = "charity"
    SUPPLIER = "supplier"
    OTHER = "other"

    @property
    def label(self) -> str:
        return KIND_LABELS[self]


KIND_LABELS = {
    OrganisationKind.COUNCIL: "Council / local government",
    OrganisationKind.CENTRAL_GOVERNMENT: "Central government",
    OrganisationKind.HEALTH: "Health",
    OrganisationKind.EDUCATION: "Education",
    OrganisationKind.POLICE_JUSTICE: "Police and justice",
    OrganisationKind.CHARITY: "Charity",
    OrganisationKind.SUPPLIER: "Supplier",
    OrganisationKind.OTHER: "Other",
}


class Organisation(TimestampMixin, db.Model):
    """A council, agency, university, charity or supplier."""

    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(ORGANISATION_NAME_MAX))
    slug: Mapped[str] = mapped_column(String(ORGANISATION_NAME_MAX), unique=True)
    kind: Mapped[OrganisationKind] = mapped_column(
        string_enum(OrganisationKind, "organisation_kind")
    )
    country: Mapped[str] = mapped_column(String(ORGANISATION_COUNTRY_MAX), default="")
    website: Mapped[str] = mapped_column(String(ORGANISATION_WEBSITE_MAX), default="")
    # None: typed in at registration and waiting for a site admin; no public page meanwhile.
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Email domains (comma-separated, lower case) whose confirmed addresses make a verified
    # member at once; anyone else waits for an admin's approval.
    domains: Mapped[str] = mapped_column(String(ORGANISATION_DOMAINS_MAX), default="")
    # How many published case studies name it as a supplier: kept by database triggers in the
    # same transaction as any change of links or status (migration e4f5a6b7c812), never
    # written here. The unfiltered case-study list's supplier facet reads it.
    published_case_studies_supplied: Mapped[int] = mapped_column(
        default=0, server_default=text("0")
    )
    # Its active members whose membership is verified (accounts.queries.SHOWN_MEMBER): kept by
    # database triggers on user_account (migration f5a6b7c8d913), never written here.
    shown_members: Mapped[int] = mapped_column(default=0, server_default=text("0"))

    members: Mapped[list[User]] = relationship(back_populates="organisation", lazy="raise")

    @property
    def is_supplier(self) -> bool:
        return self.kind == OrganisationKind.SUPPLIER

    @property
    def is_approved(self) -> bool:
        return self.approved_at is not None

    @property
    def domain_list(self) -> list[str]:
        return [d for d in self.domains.split(",") if d]

    def vouches_for(self, email: str) -> bool:
        """Whether an address at this email's domain (or a subdomain) is one of ours."""
        domain = email.rsplit("@", 1)[-1].lower()
        return any(domain == d or domain.endswith("." + d) for d in self.domain_list)

    def __repr__(self) -> str:
        return f"<Organisation {self.slug}>"


def new_session_token() -> str:
    """A random token; changing it ends every session and remember-me cookie of the user."""
    return secrets.token_urlsafe(24)


class User(RenderedMarkdown, UserMixin, TimestampMixin, db.Model):
    """A person with an account."""

    __tablename__ = "user_account"  # "user" is reserved in PostgreSQL
    __markdown__ = ("bio",)
    __table_args__ = (
        # Covers counting people per organisation (the people filter, organisation pages)
        # and counting active accounts (the home page), without reading whole rows.
        Index("ix_user_account_directory", "organisation_id", "active", "membership_verified_at"),
        # The people directory: the people it lists (active, email verified; the condition
        # is accounts.queries.listed_people's, as SQLAlchemy writes it) in its order, by name
        # case-insensitively: a page read in order, and the total counted, from it alone (the
        # condition's columns are in it, so SQLite counts from the index, not the table).
        Index(
            "ix_user_account_by_name",
            text("lower(display_name)"),
            "id",
            "active",
            "email_verified_at",
            sqlite_where=text("active IS 1 AND email_verified_at IS NOT NULL"),
            postgresql_where=text("active IS true AND email_verified_at IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(EMAIL_MAX), unique=True)  # stored lower-cased
    display_name: Mapped[str] = mapped_column(String(DISPLAY_NAME_MAX))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(string_enum(Role, "user_role"), default=Role.MEMBER)
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="SET NULL"), index=True
    )
    job_title: Mapped[str] = mapped_column(String(JOB_TITLE_MAX), default="")
    bio: Mapped[str] = mapped_column(Text, default="")
    # Rendered when bio is set; deferred: the account is loaded on every request, these rarely.
    bio_html: Mapped[str] = mapped_column(StoredHTML, default="", deferred=True)
    bio_text: Mapped[str] = mapped_column(Text, default="", deferred=True)
    active: Mapped[bool] = mapped_column(default=True)
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token)
    # Unique, lower-case a-z 0-9 -: how people tell two "Morgan Moderator"s apart (handles.py).
    # Set at registration; accounts inserted without one get one from their name (handles.py).
    handle: Mapped[str] = mapped_column(String(HANDLE_MAX), unique=True)
    handle_key: Mapped[str] = mapped_column(String(HANDLE_MAX), unique=True)  # its skeleton
    handle_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Two-factor sign-in (twofactor.py): a TOTP secret, in use once confirmed with a code.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    # When the person's membership of the organisation was verified (a confirmed address at
    # one of its domains, or an admin's approval); None: pending, shown nowhere as a member.
    membership_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # A new address asked for and not yet confirmed by its link; the old one stays until then.
    pending_email: Mapped[str | None] = mapped_column(String(EMAIL_MAX))
    # Set when the person (or an admin on request) deleted the account: the row stays only so
    # the public writing they chose to keep shows "former member"; every personal field is
    # cleared (dpse.accounts.deletion).
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    organisation: Mapped[Organisation | None] = relationship(back_populates="members")

    @property
    def verified_organisation(self) -> Organisation | None:
        """The organisation shown with the person's name: approved, and they a verified member."""
        org = self.organisation
        if org is None or not org.is_approved or self.membership_verified_at is None:
            return None
        return org

    @property
    def has_password(self) -> bool:
        """False for an account opened through an organisation's identity provider that has
        not chosen a password here (its hash is a marker no password matches)."""
        return not self.password_hash.startswith("!")

    @property
    def is_deleted(self) -> bool:
        """A former member: shown as such, without a name or a link, wherever kept content is."""
        return self.deleted_at is not None

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    @property
    def email_verified(self) -> bool:
        return self.email_verified_at is not None

    @property
    def is_supplier(self) -> bool:
        """Supplier accounts' writing is labelled supplier-written everywhere."""
        return self.role == Role.SUPPLIER or (
            self.organisation is not None and self.organisation.is_supplier
        )

    @property
    def email_domain(self) -> str:
        return self.email.rsplit("@", 1)[-1]

    def get_id(self) -> str:
        # The session token rides in the session and the remember cookie: rotating it
        # (logout, password change, deactivation) invalidates every copy of either.
        return f"{self.id}:{self.session_token}"

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


class FormerHandle(db.Model):
    """A handle someone gave up: its profile address redirects to them, and nobody else may
    take it."""

    __tablename__ = "former_handle"

    id: Mapped[int] = mapped_column(primary_key=True)
    handle: Mapped[str] = mapped_column(String(HANDLE_MAX), unique=True)
    handle_key: Mapped[str] = mapped_column(String(HANDLE_MAX), index=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class RecoveryCode(db.Model):
    """One of a person's single-use two-factor recovery codes, stored hashed."""

    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    code_hash: Mapped[str] = mapped_column(String(255))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class OrganisationRedirect(db.Model):
    """The address of an organisation merged into another: it leads to the one it joined."""

    __tablename__ = "organisation_redirect"

    slug: Mapped[str] = mapped_column(String(ORGANISATION_NAME_MAX), primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )


class ExportStatus(enum.StrEnum):
    """Where a download of someone's data has got to."""

    QUEUED = "queued"
    READY = "ready"
    FAILED = "failed"
    EXPIRED = "expired"


def new_export_token() -> str:
    """The unguessable name of an export in its download address."""
    return secrets.token_urlsafe(32)


class DataExport(db.Model):
    """A person's request for everything held about them, built later by `dpse exports build`
    (dpse.accounts.export) into a ZIP under the instance folder, kept for a few days."""

    __tablename__ = "data_export"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    token: Mapped[str] = mapped_column(String(64), unique=True, default=new_export_token)
    status: Mapped[ExportStatus] = mapped_column(
        string_enum(ExportStatus, "export_status", 16), default=ExportStatus.QUEUED, index=True
    )
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ready_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    size: Mapped[int] = mapped_column(default=0)  # bytes of the ZIP

    @property
    def is_ready(self) -> bool:
        return self.status == ExportStatus.READY

    def __repr__(self) -> str:
        return f"<DataExport {self.id} of user {self.user_id} {self.status.value}>"


class UserIdentity(db.Model):
    """An account at an organisation's OpenID Connect provider that signs in as this person:
    the provider's issuer and its never-reused subject identifier for them."""

    __tablename__ = "user_identity"
    __table_args__ = (UniqueConstraint("issuer", "subject", name="uq_user_identity_subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    provider: Mapped[str] = mapped_column(String(IDENTITY_PROVIDER_MAX))  # its configured name
    issuer: Mapped[str] = mapped_column(String(IDENTITY_ISSUER_MAX))
    subject: Mapped[str] = mapped_column(String(IDENTITY_SUBJECT_MAX))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
