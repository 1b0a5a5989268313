"""Writing through the API: POST /api/v1/case-studies makes a draft case study in the name of
the token's owner. The body goes through the new-case-study form's own validation and the same
service function, so a field refused on the page is refused here with the same message."""

from __future__ import annotations

from typing import Any

from flask import abort, request
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from dpse.accounts.models import OrganisationKind
from dpse.accounts.queries import list_organisations
from dpse.accounts.tokens import Scope
from dpse.api import serializers as show
from dpse.api.auth import require_scope
from dpse.api.responses import PREFIX, check_rate_limit, json_response, problem
from dpse.api.views import bp
from dpse.casestudies import service
from dpse.casestudies.forms import CaseStudyForm
from dpse.casestudies.models import CaseStudy
from dpse.permissions import can_create_case_study
from dpse.urls import absolute_url

# The body's fields: the service's names (CaseStudyData), each with its JSON type and the form
# field that checks it.
TEXT_FIELDS = {
    name: name
    for name in (
        "title",
        "summary",
        "language",
        "outcome",
        "sector",
        "country",
        "region",
        "challenge",
        "what_we_built",
        "results",
        "lessons_learned",
        "started_on",
        "live_on",
        "budget_band",
        "repository_url",
        "live_url",
        "publiccode_url",
        "slug",
    )
}
LIST_FIELDS = {
    "technologies": "technologies",
    "topics": "topics",
    "supplier_slugs": "suppliers",
    "adapted_from_slugs": "adapted_from",
    "co_author_emails": "co_authors",
}
API_NAMES = {form: api for api, form in {**TEXT_FIELDS, **LIST_FIELDS}.items()}


class BadBody(Exception):
    """The body is not a JSON object of the documented fields and types (400)."""


def _form_data(body: Any) -> MultiDict[str, str]:
    """The JSON body as the form would have received it from the page."""
    if not isinstance(body, dict):
        raise BadBody("The body must be a JSON object of case-study fields.")
    unknown = sorted(set(body) - set(TEXT_FIELDS) - set(LIST_FIELDS))
    if unknown:
        raise BadBody(
            f"Unknown field '{unknown[0]}'. The fields are listed in {PREFIX}/openapi.json."
        )
    data: MultiDict[str, str] = MultiDict()
    for name, value in body.items():
        if name in TEXT_FIELDS:
            if not isinstance(value, str):
                raise BadBody(f"'{name}' must be a string.")
            data.add(TEXT_FIELDS[name], value)
            continue
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise BadBody(f"'{name}' must be an array of strings.")
        if name == "supplier_slugs":
            for slug in value:
                data.add("suppliers", slug)
        else:
            data.add(LIST_FIELDS[name], ", ".join(value))
    return data


def _field_errors(form: CaseStudyForm) -> list[dict[str, str]]:
    return [
        {"field": API_NAMES.get(name, name), "message": messages[0]}
        for name, messages in form.errors.items()
        if messages and name != "csrf_token"
    ]


def _invalid(errors: list[dict[str, str]]) -> Response:
    count = len(errors)
    return problem(
        422,
        "Some fields need changing",
        f"{count} field{'s' if count != 1 else ''} cannot be saved as sent: see 'errors'.",
        errors=errors,
    )


@bp.route(PREFIX + "/case-studies", methods=["POST"])
def create_case_study() -> Response:
    """Make a draft case study from a JSON body, with a write:drafts token."""
    token, refusal = require_scope(Scope.WRITE_DRAFTS)
    if token is None:
        return refusal or abort(401)
    author = token.owner
    if not can_create_case_study(author):
        return problem(
            403, "Forbidden", "The token's owner may not write case studies on this site."
        )
    limited = check_rate_limit("API_WRITE_RATE_LIMIT", "api-write")
    if limited is not None:
        return limited
    if request.mimetype != "application/json":
        return problem(415, "Unsupported media type", "Send the case study as application/json.")
    try:
        body = request.get_json(silent=False)
        data = _form_data(body)
    except BadBody as exc:
        return problem(400, "Bad request", str(exc))
    except Exception:  # noqa: BLE001 - werkzeug's BadRequest for JSON that does not parse
        return problem(400, "Bad request", "The body is not valid JSON.")
    form = CaseStudyForm(formdata=data, meta={"csrf": False})
    form.suppliers.choices = [
        SelectChoice(o.slug, o.name)
        for o in list_organisations()
        if o.kind == OrganisationKind.SUPPLIER
    ]
    if not form.validate():
        return _invalid(_field_errors(form))
    try:
        cs = service.create_case_study(author, form.to_data())
    except service.CaseStudyError as exc:
        return _invalid([{"field": exc.field or "", "message": exc.message}])
    except service.NotAllowed:
        return problem(403, "Forbidden", "The token's owner may not write case studies.")
    return _created(cs)


def _created(cs: CaseStudy) -> Response:
    response = json_response(show.case_study(cs))
    response.status_code = 201
    response.headers["Location"] = absolute_url("api.get_case_study", slug=cs.slug)
    response.headers["Cache-Control"] = "no-store"
    return response
