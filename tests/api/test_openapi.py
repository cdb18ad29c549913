"""shortener/api/openapi.py: the document matches the routes, is valid OpenAPI 3.1, and its page."""

import pathlib
import re

import pytest
from openapi_spec_validator import validate

from shortener.api import openapi

API_PACKAGE = pathlib.Path(openapi.__file__).parent
PREFIX = "/api/v1"
UNDOCUMENTED = {"/openapi.json", "/docs"}  # the document and its page describe the API, not part of it
IGNORED_METHODS = {"HEAD", "OPTIONS"}


def routed_operations(app) -> set[tuple[str, str]]:
    found = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(PREFIX + "/"):
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule[len(PREFIX):])
        if path not in UNDOCUMENTED:
            found |= {(method.lower(), path) for method in rule.methods - IGNORED_METHODS}
    return found


def documented_operations() -> set[tuple[str, str]]:
    return {(method, path) for path, item in openapi.document()["paths"].items()
            for method in item if method != "parameters"}


def test_every_api_rule_is_documented_and_every_documented_path_is_a_rule(app):
    assert routed_operations(app) == documented_operations()


def test_the_document_is_valid_openapi_3_1():
    document = openapi.document()
    assert document["openapi"].startswith("3.1")
    validate(document)


def test_the_document_is_served(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.get_json() == openapi.document()


def test_every_error_code_the_api_raises_is_listed():
    sources = "".join(path.read_text() for path in API_PACKAGE.glob("*.py"))
    raised = {*re.findall(r'ApiError\(\d+, "([a-z_]+)"', sources),
              *re.findall(r'invalid\(.*, "([a-z_]+)"\)', sources)}
    assert {"slug_taken", "unknown_field", "invalid_parameter"} <= raised
    assert raised <= set(openapi.ERROR_CODES)


@pytest.mark.parametrize("logged_in_first", [False, True])
def test_the_docs_page_shows_every_operation_without_inline_script(client, auth, logged_in_first):
    if logged_in_first:
        auth.create_user("alice")
        auth.login("alice")
    html = client.get("/api/v1/docs").get_data(as_text=True)
    for method, path in documented_operations():
        assert f"{method.upper()} {path}" in html
    assert "curl -H" in html and "Authorization: Bearer" in html
    assert "<script>" not in html and "cdn" not in html.lower()


def test_the_token_page_links_the_docs(client, logged_in):
    assert 'href="/api/v1/docs"' in client.get("/settings/tokens").get_data(as_text=True)
