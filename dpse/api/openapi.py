"""The API's operations, declared once, and the OpenAPI 3.1 document built from them.

Each route is added with ``operation(...)``: the same call registers the Flask rule, tells the
view which parameters to read, and describes the operation in the document.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, request

from dpse.api.params import Param, read_all
from dpse.api.responses import PREFIX
from dpse.api.schemas import SCHEMAS, ref

VERSION = "1.0.0"


@dataclass(frozen=True)
class Operation:
    """One GET endpoint of the API."""

    path: str  # OpenAPI form, under PREFIX: /case-studies/{slug}
    operation_id: str
    summary: str
    description: str
    params: tuple[Param, ...]
    response: str  # a schema name in SCHEMAS
    tag: str
    not_found: bool  # whether it answers 404 for an unknown object


OPERATIONS: list[Operation] = []


def _rule(path: str, params: tuple[Param, ...]) -> str:
    kinds = {p.name: p.schema.get("type") for p in params if p.location == "path"}

    def convert(match: re.Match[str]) -> str:
        name = match.group(1)
        return f"<int:{name}>" if kinds.get(name) == "integer" else f"<{name}>"

    return PREFIX + re.sub(r"\{(\w+)\}", convert, path)


def operation(
    bp: Blueprint,
    path: str,
    *,
    summary: str,
    response: str,
    tag: str,
    params: list[Param] | tuple[Param, ...] = (),
    description: str = "",
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Route a view at PREFIX + ``path``; it is called with the path values and ``args``, the
    query parameters read and checked against their declarations."""
    declared = tuple(params)

    def attach(view: Callable[..., Any]) -> Callable[..., Any]:
        op = Operation(
            path,
            view.__name__,
            summary,
            description or (view.__doc__ or "").strip(),
            declared,
            response,
            tag,
            any(p.location == "path" for p in declared),
        )
        OPERATIONS.append(op)

        def endpoint(**values: Any) -> Any:
            return view(args=read_all(declared, request.args), **values)

        endpoint.__name__ = view.__name__
        endpoint.__doc__ = view.__doc__
        bp.add_url_rule(_rule(path, declared), view.__name__, endpoint, methods=["GET"])
        return view

    return attach


def _problem(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/problem+json": {"schema": ref("Problem")}},
    }


HEADERS = {
    "ETag": {"description": "A hash of the body.", "schema": {"type": "string"}},
    "Cache-Control": {"schema": {"type": "string"}},
    "Access-Control-Allow-Origin": {"schema": {"type": "string", "const": "*"}},
}


def _operation_object(op: Operation) -> dict[str, Any]:
    responses: dict[str, Any] = {
        "200": {
            "description": "OK",
            "headers": HEADERS,
            "content": {"application/json": {"schema": ref(op.response)}},
        },
        "304": {"description": "Not modified: the ETag or date given still matches."},
        "400": _problem("A parameter has a value the API does not accept."),
        "429": _problem("Too many requests from this address: see the Retry-After header."),
    }
    responses["401"] = {
        **_problem("A token was sent that does not work (unknown, expired or revoked)."),
        "headers": {"WWW-Authenticate": {"schema": {"type": "string"}}},
    }
    if op.not_found:
        responses["404"] = _problem("No public object has this name.")
    return {
        "operationId": op.operation_id,
        "summary": op.summary,
        "description": op.description,
        "tags": [op.tag],
        # Reading needs no token; one sent gives the requests a rate limit of their own.
        "security": [{}, {"bearer": []}],
        "parameters": [p.openapi() for p in op.params],
        "responses": responses,
    }


SECURITY_SCHEMES = {
    "bearer": {
        "type": "http",
        "scheme": "bearer",
        "description": (
            "A personal API token (dpse_…), made on the account page with the scopes 'read' "
            "and/or 'write:drafts' and an expiry. Optional for reading."
        ),
    }
}


def _create_case_study() -> dict[str, Any]:
    """POST /case-studies: the API's one write (dpse.api.views.writing)."""
    challenge = {"WWW-Authenticate": {"schema": {"type": "string"}}}
    return {
        "operationId": "create_case_study",
        "summary": "Create a draft case study",
        "description": (
            "Makes a draft case study in the name of the token's owner, for their organisation, "
            "as the page's new-case-study form does: the same rules and messages. Only its "
            "authors and the moderators see it until it is submitted and published. Needs a "
            "token with the 'write:drafts' scope whose owner may write case studies; counted "
            "against DPSE_API_WRITE_RATE_LIMIT per token."
        ),
        "tags": ["Case studies"],
        "security": [{"bearer": ["write:drafts"]}],
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": ref("CaseStudyInput")}},
        },
        "responses": {
            "201": {
                "description": "Created: the draft, as GET shows it to its authors' tokens.",
                "headers": {
                    "Location": {"description": "Its API address.", "schema": {"type": "string"}},
                    "Cache-Control": {"schema": {"type": "string"}},
                },
                "content": {"application/json": {"schema": ref("CaseStudy")}},
            },
            "400": _problem("The body is not JSON, not an object, or a field has the wrong type."),
            "401": {
                **_problem("No token, or one that does not work (unknown, expired or revoked)."),
                "headers": challenge,
            },
            "403": _problem("The token lacks 'write:drafts', or its owner may not write."),
            "415": _problem("The body is not application/json."),
            "422": {
                "description": "Fields the case-study rules refuse, each with its message.",
                "content": {"application/problem+json": {"schema": ref("FieldProblem")}},
            },
            "429": _problem("Too many drafts from this token: see the Retry-After header."),
        },
    }


def build_document(server_url: str) -> dict[str, Any]:
    """The OpenAPI 3.1 document of every operation."""
    paths: dict[str, Any] = {}
    for op in OPERATIONS:
        paths.setdefault(op.path, {})["get"] = _operation_object(op)
    paths.setdefault("/case-studies", {})["post"] = _create_case_study()
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "DPSE API",
            "version": VERSION,
            "summary": "Everything public on the exchange; draft case studies with a token.",
            "description": (
                "Case studies, events, the forum, search, tags, organisations and people, as a "
                "signed-out visitor sees them. No key is needed to read; a personal API token "
                "with the write:drafts scope creates draft case studies. Errors are RFC 9457 "
                "problem details; answers carry an ETag for conditional requests."
            ),
        },
        "jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
        "servers": [{"url": server_url}],
        "tags": [{"name": name} for name in dict.fromkeys(op.tag for op in OPERATIONS)],
        "paths": paths,
        "components": {"schemas": SCHEMAS, "securitySchemes": SECURITY_SCHEMES},
    }
