"""The 403, 404 and 500 pages: styled, with a way back; the 500 page needs no database."""

from django.core.exceptions import PermissionDenied
from django.test import RequestFactory
from django.views import defaults


def test_an_unknown_address_gets_the_styled_404_with_a_way_home(client, technologist):
    client.force_login(technologist)

    response = client.get("/no-such-page/")

    assert response.status_code == 404
    content = response.content.decode()
    assert 'data-testid="error-404"' in content
    assert 'href="/"' in content
    assert "css/app.css" in content


def test_another_labs_case_gets_the_same_404(client, outsider, lab_a):
    from tests.factories import CaseFactory

    case = CaseFactory(lab=lab_a)
    client.force_login(outsider)

    response = client.get(f"/cases/{case.public_id}/")

    assert response.status_code == 404
    assert b'data-testid="error-404"' in response.content


def test_a_forbidden_page_gets_the_styled_403(client, technologist):
    client.force_login(technologist)

    response = client.get("/lab/settings/")

    assert response.status_code == 403
    assert b'data-testid="error-403"' in response.content
    assert b"Back to the home page" in response.content


def test_the_500_page_renders_without_the_database(django_assert_num_queries, db):
    request = RequestFactory().get("/")

    with django_assert_num_queries(0):
        response = defaults.server_error(request)

    assert response.status_code == 500
    assert b'data-testid="error-500"' in response.content
    assert b'href="/"' in response.content


def test_the_403_view_uses_the_template(rf, technologist):
    request = rf.get("/")
    request.user = technologist
    response = defaults.permission_denied(request, PermissionDenied())
    assert b'data-testid="error-403"' in response.content
