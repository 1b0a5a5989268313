"""Query and path parameters of the API, declared once: the OpenAPI document describes them
from these declarations and the endpoints read the request with the same ones, so the two
cannot drift apart. A value the declaration refuses is a 400 naming the parameter."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 20
MAX_PAGE = 10_000  # the HTML lists' bound (dpse.web.MAX_PAGE)


class BadParameter(Exception):
    """A parameter's value the API does not accept (answered as a 400 problem)."""

    def __init__(self, name: str, detail: str) -> None:
        super().__init__(detail)
        self.name = name
        self.detail = detail


@dataclass(frozen=True)
class Param:
    """One parameter: its name, where it goes, its JSON Schema and what it means."""

    name: str
    description: str
    schema: dict[str, Any] = field(default_factory=lambda: {"type": "string"})
    location: str = "query"

    def openapi(self) -> dict[str, Any]:
        """The OpenAPI Parameter Object."""
        return {
            "name": self.name,
            "in": self.location,
            "required": self.location == "path",
            "description": self.description,
            "schema": self.schema,
        }

    def read(self, raw: str | None) -> Any:
        """The value as the endpoint uses it: the default when absent, else checked."""
        if raw is None:
            return self.schema.get("default")
        kind = self.schema.get("type", "string")
        if kind == "integer":
            return self._integer(raw)
        if "enum" in self.schema and raw not in self.schema["enum"]:
            choices = ", ".join(str(v) for v in self.schema["enum"])
            raise BadParameter(self.name, f"'{self.name}' must be one of: {choices}.")
        limit = self.schema.get("maxLength")
        if limit is not None and len(raw) > limit:
            raise BadParameter(self.name, f"'{self.name}' takes at most {limit} characters.")
        pattern = self.schema.get("pattern")
        if pattern is not None:
            import re

            if not re.search(pattern, raw):
                raise BadParameter(self.name, f"'{self.name}' must look like {self.example()}.")
        return raw

    def example(self) -> str:
        return str(self.schema.get("examples", ["the documented form"])[0])

    def _integer(self, raw: str) -> int:
        low, high = self.schema.get("minimum", 0), self.schema.get("maximum", 2**31 - 1)
        text = raw.strip()
        # Length first: int() of 100,000 digits is slow, and no bound here has 20 digits.
        if not (text.isascii() and text.isdigit()) or len(text.lstrip("0")) > 19:
            raise BadParameter(
                self.name, f"'{self.name}' must be a whole number from {low} to {high}."
            )
        value = int(text)
        if not low <= value <= high:
            raise BadParameter(
                self.name, f"'{self.name}' must be a whole number from {low} to {high}."
            )
        return value


def read_all(params: Sequence[Param], args: Mapping[str, str]) -> dict[str, Any]:
    """Every query parameter's value (path parameters come from the route)."""
    return {p.name: p.read(args.get(p.name)) for p in params if p.location == "query"}


def enum_param(name: str, description: str, values: Sequence[str], default: str | None = None):
    """A query parameter taking one of ``values``."""
    schema: dict[str, Any] = {"type": "string", "enum": list(values)}
    if default is not None:
        schema["default"] = default
    return Param(name, description, schema)


def text_param(name: str, description: str, max_length: int = 100) -> Param:
    """A free-text query parameter (a slug or words), up to ``max_length`` characters."""
    return Param(name, description, {"type": "string", "maxLength": max_length})


def paging(max_page: int = MAX_PAGE, per_page: bool = True) -> list[Param]:
    """``page`` and, for lists that let the client choose, ``per_page``."""
    params = [
        Param(
            "page",
            "Which page, from 1.",
            {"type": "integer", "minimum": 1, "maximum": max_page, "default": 1},
        )
    ]
    if per_page:
        params.append(
            Param(
                "per_page",
                f"Items per page, 1 to {MAX_PER_PAGE}.",
                {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": MAX_PER_PAGE,
                    "default": DEFAULT_PER_PAGE,
                },
            )
        )
    return params


def path_param(name: str, description: str, integer: bool = False) -> Param:
    """A path parameter (a slug, a handle or a numeric id)."""
    schema: dict[str, Any] = (
        {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}
        if integer
        else {"type": "string", "minLength": 1, "maxLength": 200}
    )
    return Param(name, description, schema, location="path")
