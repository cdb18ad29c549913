"""schemathesis over the whole OpenAPI document, against the live app (WSGI) with a valid token:
no 5xx, and every response conforms to the document (status, content type, headers, schema)."""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from shortener.api import openapi
from tests.helpers import add_link, make_api_token

# Small and bounded: the whole document in well under a minute on a busy two-core machine.
EXAMPLES_PER_OPERATION = 25


class RunningApp:
    """A WSGI app that hands each request to the app of the running test.

    The document is plain data, so the schema loads at collection, before any app exists; each
    test then runs against its own app (SQLite, and PostgreSQL when TEST_DATABASE_URL is set).
    schemathesis.pytest.from_fixture would load it from the app, but breaks on pytest 9 (it reads
    Node._nodeid), and an app passed per call misses schemathesis's own probes.
    """

    def __init__(self):
        self.app = None

    def __call__(self, environ, start_response):
        return self.app(environ, start_response)


running = RunningApp()
schema = schemathesis.openapi.from_dict(openapi.document())
schema.app = running


@pytest.fixture
def app(make_app):
    # schemathesis sends bad credentials on purpose and expects 401 every time: the per-address
    # limit on them (tested in test_routes.py) must not turn its many probes into 429s.
    return make_app(RATELIMIT_API_UNAUTHENTICATED="100000 per minute")


@pytest.fixture
def token_headers(app, auth):
    alice = auth.create_user("alice")
    for number in range(3):  # a few links, so generated ids sometimes name a real one
        add_link(app, alice, slug=f"seed{number}", title="seed")
    running.app = app
    yield {"Authorization": f"Bearer {make_api_token(app, alice)[1]}"}
    running.app = None


@schema.parametrize()
@settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much])
def test_the_api_conforms_to_its_document(case, token_headers):
    # Not "schema-valid data is accepted": some rules cannot be said in JSON Schema (a target URL
    # that parses and is not ours, an expiry in the future), so a schema-valid body may get 422.
    case.call_and_validate(base_url="http://localhost/api/v1", headers=token_headers,
                           excluded_checks=[positive_data_acceptance])
