"""Accounts: users, organisations, sign-in, profiles and user administration."""

from flask import Blueprint

bp = Blueprint("accounts", __name__)
