"""The accounts blueprint; importing this package attaches every accounts route to it."""

from flask import Blueprint

bp = Blueprint("accounts", __name__)

# At the bottom: each route module imports ``bp`` from here.
from dpse.accounts.views import admin, auth, organisations, profiles, twofactor  # noqa: E402

__all__ = ["admin", "auth", "bp", "organisations", "profiles", "twofactor"]
