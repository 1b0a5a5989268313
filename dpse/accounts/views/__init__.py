"""The accounts blueprint; importing this package attaches every accounts route to it."""

from flask import Blueprint

bp = Blueprint("accounts", __name__)

# At the bottom: each route module imports ``bp`` from here.
from dpse.accounts.views import (  # noqa: E402
    admin,
    admin_organisations,
    auth,
    data_rights,
    organisations,
    people,
    profiles,
    providers,
    tokens,
    twofactor,
)

__all__ = [
    "admin",
    "admin_organisations",
    "auth",
    "bp",
    "data_rights",
    "organisations",
    "people",
    "profiles",
    "providers",
    "tokens",
    "twofactor",
]
