"""The OpenAPI schema lists the error answers each API view gives, not only its successes."""

import pytest

EXPECTED = {
    ("/api/v1/cases/", "get"): {"200", "401", "403"},
    ("/api/v1/cases/", "post"): {"201", "400", "401", "403"},
    ("/api/v1/cases/{id}/", "get"): {"200", "401", "403", "404"},
    ("/api/v1/cases/{id}/images/", "post"): {"202", "400", "401", "403", "404"},
    ("/api/v1/images/{id}/", "get"): {"200", "401", "403", "404"},
    ("/api/v1/images/{image_id}/review", "post"): {"200", "400", "401", "403", "404", "409"},
    ("/api/v1/cases/{case_id}/sign-off", "post"): {"200", "401", "403", "404", "409"},
    ("/api/v1/cases/{case_id}/differential", "get"): {"200", "401", "403", "404"},
    ("/api/v1/cases/{case_id}/report.pdf", "get"): {"200", "401", "403", "404"},
    ("/api/v1/cases/{case_id}/report.csv", "get"): {"200", "401", "403", "404"},
    ("/api/v1/cases/{case_id}/fhir", "get"): {"200", "401", "403", "404"},
}


@pytest.fixture
def schema(client, technologist):
    client.force_login(technologist)
    return client.get("/api/schema/", {"format": "json"}).json()


@pytest.mark.parametrize(("path", "method"), sorted(EXPECTED))
def test_each_operation_lists_its_error_answers(schema, path, method):
    responses = schema["paths"][path][method]["responses"]

    assert set(responses) == EXPECTED[(path, method)]


def test_the_list_is_still_paginated(schema):
    listed = schema["paths"]["/api/v1/cases/"]["get"]["responses"]["200"]
    reference = listed["content"]["application/json"]["schema"]["$ref"]

    assert reference.endswith("PaginatedCaseList")


def test_it_generates_without_warnings(capsys, db):
    from drf_spectacular.generators import SchemaGenerator

    SchemaGenerator().get_schema(request=None, public=True)

    captured = capsys.readouterr()
    assert "Warning" not in captured.err + captured.out
    assert "Error" not in captured.err + captured.out
