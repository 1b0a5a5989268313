"""Two-factor sign-in: TOTP secrets (RFC 6238) and their QR code, single-use recovery codes,
and the rule that moderators and admins turn it on before they do anything else.

A module of its own, holding its writes as well as its reads, rather than lines added to
service.py and queries.py: the feature is one unit (secret, codes, the staff rule) that the
sign-in pages, the account pages and create_app all call, and service.py stays under ~400 lines.

A code is refused the second time it is offered (RFC 6238 §5.2): the time-step it matched is
recorded in the rate limiter's storage, which several workers or hosts share through Redis, for
longer than the code stays valid. The limiter being switched off switches this off too.
"""

from __future__ import annotations

import hmac
import logging
import secrets
import time

import pyotp
import segno
from flask import Flask, current_app, flash, redirect, request, url_for
from flask_login import current_user
from limits import parse
from markupsafe import Markup
from sqlalchemy import delete, func, select, update
from werkzeug.security import check_password_hash
from werkzeug.wrappers import Response

from dpse import mail
from dpse.accounts.models import PASSWORD_MAX, RECOVERY_CODES, RecoveryCode, User
from dpse.accounts.service import AccountError, hash_password, tell_owner
from dpse.extensions import db, limiter
from dpse.mixins import utcnow
from dpse.permissions import can_moderate

log = logging.getLogger(__name__)

CODE_DIGITS = 6
VALID_WINDOW = 1  # the step before and after the current one: clocks drift, people type slowly
# Longer than a code is accepted for: (2 * VALID_WINDOW + 1) steps of 30 seconds.
USED_STEP = parse("1 per 2 minutes")
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread
RECOVERY_HALF = 4  # codes read "abcd-2345": 8 characters, about 40 bits
WRONG_CODE = "The code is not right. Enter the 6 digits your app shows now"

# Pages a moderator or admin without two-factor sign-in may still open: setting it up,
# signing out, and what every page needs.
OPEN_TO_STAFF_WITHOUT = frozenset(
    {"accounts.two_factor_setup", "accounts.logout", "static", "health.healthz"}
)


def new_secret() -> str:
    """A random base32 TOTP secret (160 bits, as RFC 4226 recommends)."""
    return pyotp.random_base32()


def provisioning_uri(user: User, secret: str) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(
        name=user.email, issuer_name=current_app.config["SITE_NAME"]
    )


def qr_svg(uri: str) -> Markup:
    """The QR code of ``uri`` as inline SVG made here (no request leaves the page), named for
    screen readers; the page shows the secret as text beside it for anyone who cannot scan."""
    svg = segno.make(uri, error="m").svg_inline(
        scale=4,
        title="QR code for your authenticator app (the same key is written out below)",
        dark="#0b0c0c",
        light="#ffffff",  # a light quiet zone, so cameras read it on a dark page too
        svgclass="qr-code",
        lineclass=None,
    )
    # segno writes the whole element from our arguments and the code's modules: no user text.
    return Markup(svg.replace("<svg ", '<svg role="img" ', 1))  # noqa: S704 (see above)


def grouped(secret: str) -> str:
    """The secret in groups of four, easier to read out and type."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _matching_step(secret: str, code: str) -> int | None:
    """The time-step whose code this is, within VALID_WINDOW steps of now (pyotp's
    ``verify(valid_window=1)``, which does not say which step matched)."""
    code = "".join(code.split())
    if len(code) != CODE_DIGITS or not (code.isascii() and code.isdigit()):
        return None
    totp = pyotp.TOTP(secret)
    now = totp.timecode(time.time())
    for step in range(now - VALID_WINDOW, now + VALID_WINDOW + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _first_use(user: User, step: int) -> bool:
    """Record that this account used this step's code; False when it was used before."""
    if not limiter.enabled:
        return True
    return limiter.limiter.hit(USED_STEP, "totp-step", str(user.id), str(step))


def _code_accepted(user: User, secret: str, code: str) -> bool:
    step = _matching_step(secret, code)
    return step is not None and _first_use(user, step)


def is_enabled(user: User) -> bool:
    """Whether sign-in asks this account for a second factor."""
    return user.totp_enabled_at is not None and bool(user.totp_secret)


def required_for(user: User) -> bool:
    """Moderators and admins must have two-factor sign-in before they do anything else."""
    return can_moderate(user) and not is_enabled(user)


def recovery_codes_left(user: User) -> int:
    """How many of the account's recovery codes are still unused."""
    return (
        db.session.scalar(
            select(func.count())
            .select_from(RecoveryCode)
            .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
        )
        or 0
    )


def _new_recovery_code() -> str:
    chars = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(2 * RECOVERY_HALF))
    return f"{chars[:RECOVERY_HALF]}-{chars[RECOVERY_HALF:]}"


def _normalised_recovery_code(code: str) -> str | None:
    """'ABCD 2345', 'abcd-2345' -> 'abcd2345'; None when it cannot be a recovery code."""
    chars = "".join(c for c in code.lower() if c not in " -")
    if len(chars) != 2 * RECOVERY_HALF or any(c not in RECOVERY_ALPHABET for c in chars):
        return None
    return chars


def _replace_recovery_codes(user: User) -> list[str]:
    """New codes for the account, stored hashed like passwords (the caller commits)."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODES)]
    db.session.add_all(
        RecoveryCode(user_id=user.id, code_hash=hash_password(code.replace("-", "")))
        for code in codes
    )
    return codes


def _commit_and_tell(user: User, event: str) -> None:
    db.session.commit()
    mail.deliver_after_response()
    log.info("%r %s", user, event)


def start_setup(user: User) -> str:
    """The secret to show while setting up: kept between visits until confirmed, so reloading
    the page does not invalidate what the app has already scanned."""
    if is_enabled(user):
        raise AccountError("Two-factor sign-in is already on")
    if not user.totp_secret:
        user.totp_secret = new_secret()
        db.session.commit()
        log.info("%r started setting up two-factor sign-in", user)
    return user.totp_secret


def enable(user: User, code: str) -> list[str]:
    """Turn two-factor sign-in on once a code from the app proves it holds the secret; returns
    the recovery codes, shown this once."""
    if is_enabled(user):
        raise AccountError("Two-factor sign-in is already on")
    if not user.totp_secret or not _code_accepted(user, user.totp_secret, code):
        raise AccountError(WRONG_CODE, "code")
    user.totp_enabled_at = utcnow()
    codes = _replace_recovery_codes(user)
    tell_owner(
        user,
        "Two-factor sign-in is on",
        "Two-factor sign-in is now on for your account: signing in will ask for a code from "
        f"your authenticator app. You were shown {RECOVERY_CODES} recovery codes to keep safe.",
    )
    _commit_and_tell(user, "turned two-factor sign-in on")
    return codes


def disable(user: User, password: str) -> None:
    """Turn two-factor sign-in off after checking the password; the codes go with it."""
    if not is_enabled(user):
        raise AccountError("Two-factor sign-in is already off")
    if not check_password_hash(user.password_hash, password[:PASSWORD_MAX]):
        raise AccountError("Your password is not right", "password")
    user.totp_secret = None
    user.totp_enabled_at = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    tell_owner(
        user,
        "Two-factor sign-in is off",
        "Two-factor sign-in is now off for your account: signing in asks only for the password. "
        "Your recovery codes no longer work.",
    )
    _commit_and_tell(user, "turned two-factor sign-in off")


def regenerate_recovery_codes(user: User, code: str) -> list[str]:
    """New recovery codes for a current code from the app; the old ones stop working."""
    if not is_enabled(user):
        raise AccountError("Turn two-factor sign-in on first")
    if not _code_accepted(user, user.totp_secret or "", code):
        raise AccountError(WRONG_CODE, "code")
    codes = _replace_recovery_codes(user)
    tell_owner(
        user,
        "New recovery codes",
        f"You made {RECOVERY_CODES} new recovery codes for your account; the old ones no "
        "longer work.",
    )
    _commit_and_tell(user, "made new recovery codes")
    return codes


def check_sign_in_code(user: User, code: str) -> bool:
    """Whether a code from the app completes this account's sign-in (each code works once)."""
    accepted = is_enabled(user) and _code_accepted(user, user.totp_secret or "", code)
    log.info("%r %s two-factor code", user, "gave a right" if accepted else "gave a wrong")
    return accepted


def use_recovery_code(user: User, code: str) -> bool:
    """Whether this unused recovery code completes the sign-in; it is used up if so."""
    wanted = _normalised_recovery_code(code)
    if not is_enabled(user) or wanted is None:
        return False
    unused = db.session.scalars(
        select(RecoveryCode).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    ).all()
    match = next((row for row in unused if check_password_hash(row.code_hash, wanted)), None)
    if match is None:
        db.session.rollback()
        log.info("%r gave a wrong recovery code", user)
        return False
    # Only one of two requests racing with the same code gets the row.
    claimed = db.session.execute(
        update(RecoveryCode)
        .where(RecoveryCode.id == match.id, RecoveryCode.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if not claimed:
        db.session.rollback()
        return False
    left = len(unused) - 1
    tell_owner(
        user,
        "A recovery code was used",
        f"Someone signed in to your account with one of its recovery codes. {left} unused "
        f"code{'s' if left != 1 else ''} left: make new ones from your account page.",
    )
    _commit_and_tell(user, "signed in with a recovery code")
    return True


def init_app(app: Flask) -> None:
    """Send moderators and admins without two-factor sign-in to set it up before any other
    page opens. On by default; the test settings leave it off for the suite's staff accounts
    (tests/accounts/test_twofactor.py turns it on)."""
    app.before_request(_staff_set_up_first)


def _staff_set_up_first() -> Response | None:
    if not current_app.config["TWO_FACTOR_FOR_STAFF"]:
        return None
    # Unmatched addresses (404) and the open pages first: no account is loaded for them.
    if request.endpoint is None or request.endpoint in OPEN_TO_STAFF_WITHOUT:
        return None
    if not current_user.is_authenticated or not required_for(current_user):
        return None
    flash("Moderators and admins set up two-factor sign-in before anything else.", "info")
    back = request.full_path.rstrip("?") if request.method == "GET" else None
    return redirect(url_for("accounts.two_factor_setup", next=back))
