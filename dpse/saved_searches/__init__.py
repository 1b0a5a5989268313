"""Saved searches: keep a search and hear (at most daily) when new content matches it."""

from flask import Blueprint

bp = Blueprint("saved_searches", __name__)
