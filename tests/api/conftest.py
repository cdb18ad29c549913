"""An API client: a user 'alice' with a token, and helpers that send it."""

import pytest

from tests.helpers import make_api_token


class ApiClient:
    def __init__(self, client, token: str):
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"}

    def __getattr__(self, method):
        def send(path, **kwargs):
            headers = {**self.headers, **kwargs.pop("headers", {})}
            return getattr(self.client, method)(f"/api/v1{path}", headers=headers, **kwargs)
        return send


@pytest.fixture
def alice(auth):
    return auth.create_user("alice")


@pytest.fixture
def api(app, client, alice) -> ApiClient:
    _token_id, token = make_api_token(app, alice)
    return ApiClient(client, token)
