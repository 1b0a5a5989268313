"""Case studies: what public-sector teams built, what worked and what did not."""

from flask import Blueprint

bp = Blueprint("casestudies", __name__, url_prefix="/case-studies")
