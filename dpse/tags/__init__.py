"""Tags: one shared vocabulary of technologies and topics for case studies, events and threads."""

from flask import Blueprint

bp = Blueprint("tags", __name__, url_prefix="/tags")
