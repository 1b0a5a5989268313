"""The OpenAPI document is valid OpenAPI 3.1, describes every route of the API, and the /api
page explains it."""

from __future__ import annotations

import re

from openapi_spec_validator import validate

from dpse.api.responses import PREFIX


def test_the_document_is_valid_openapi_3_1(openapi):
    assert openapi["openapi"] == "3.1.0"
    validate(openapi)


def test_every_api_route_is_documented_with_its_path_parameters(app, openapi):
    routes = {
        re.sub(r"<(?:int:)?(\w+)>", r"{\1}", rule.rule)[len(PREFIX) :]
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(PREFIX + "/") and not rule.rule.endswith("/openapi.json")
    }
    assert routes == set(openapi["paths"])
    for path, item in openapi["paths"].items():
        declared = {p["name"] for p in item["get"]["parameters"] if p["in"] == "path"}
        assert declared == set(re.findall(r"\{(\w+)\}", path)), path
        assert "200" in item["get"]["responses"] and "400" in item["get"]["responses"]


def test_the_document_is_served_with_the_api_headers(client):
    response = client.get("/api/v1/openapi.json")
    assert response.mimetype == "application/json"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.get_json()["servers"] == [{"url": "http://dpse.test/api/v1"}]


def test_the_api_page_explains_it_with_examples(client, openapi):
    response = client.get("/api")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert "<h1>The exchange’s API</h1>" in page
    assert 'href="http://dpse.test/api/v1/openapi.json"' in page
    assert "curl 'http://dpse.test/api/v1/case-studies?technology=ckan" in page
    assert "application/problem+json" in page and "Retry-After" in page
    for path in openapi["paths"]:
        assert f"GET {path}" in page
