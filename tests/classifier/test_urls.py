"""URL names round-trip to their paths."""

import uuid

import pytest
from django.urls import resolve, reverse

ID = uuid.UUID("12345678-1234-5678-1234-567812345678")

ROUTES = [
    ("classifier:case_list", [], "/cases/"),
    ("classifier:case_create", [], "/cases/new/"),
    ("classifier:case_detail", [ID], f"/cases/{ID}/"),
    ("classifier:case_status", [ID], f"/cases/{ID}/status/"),
    ("classifier:image_upload", [ID], f"/cases/{ID}/images/"),
    ("classifier:image_file", [ID], f"/images/{ID}/file/"),
    ("classifier:image_delete", [ID], f"/images/{ID}/delete/"),
    ("classifier_api:case_list", [], "/api/v1/cases/"),
    ("classifier_api:case_detail", [ID], f"/api/v1/cases/{ID}/"),
    ("classifier_api:case_images", [ID], f"/api/v1/cases/{ID}/images/"),
    ("classifier_api:image_detail", [ID], f"/api/v1/images/{ID}/"),
]


@pytest.mark.parametrize(("name", "args", "path"), ROUTES)
def test_url_names_round_trip(name, args, path):
    assert reverse(name, args=args) == path
    assert resolve(path).view_name == name


def test_a_malformed_id_does_not_resolve():
    from django.urls import Resolver404

    with pytest.raises(Resolver404):
        resolve("/cases/not-a-uuid/")
