"""A URL under /api/ that matches nothing answers JSON, like the API's own 404s."""

import pytest
from rest_framework.test import APIClient

from accounts.models import ApiToken


@pytest.fixture
def api(technologist):
    _token, secret = ApiToken.issue(technologist, "script")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    return client


@pytest.mark.parametrize(
    "url", ["/api/v1/cases/not-a-uuid/", "/api/v1/images/12/", "/api/v1/nothing-here/"]
)
def test_a_bad_id_under_the_api_is_a_json_404(api, url):
    response = api.get(url)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found."}


def test_a_missing_web_page_is_still_a_page(client, technologist):
    client.force_login(technologist)

    response = client.get("/cases/not-a-uuid/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
