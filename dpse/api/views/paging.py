"""A page of a list as the API answers it: items, total, page, per_page, next and prev."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import request

from dpse.urls import site_url


def page_link(page: int) -> str:
    """This request's address with ``page`` changed (every other argument kept)."""
    args = request.args.to_dict(flat=True)
    args["page"] = str(page)
    return site_url(request.path) + "?" + urlencode(args)


def page_body(items: list[Any], total: int, page: int, per_page: int) -> dict[str, Any]:
    """The envelope every list shares."""
    pages = max((total + per_page - 1) // per_page, 1)
    return {
        "items": items,
        "total": total,
        "page": page,
        "per_page": per_page,
        "pages": pages,
        "next": page_link(page + 1) if page < pages else None,
        "prev": page_link(min(page - 1, pages)) if page > 1 else None,
    }
