import pytest
from django.urls import reverse

from review.models import AdaptationJob
from tests.factories import ModelVersionFactory, UserFactory


@pytest.fixture
def admin_client(client, db):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_the_admin_shows_an_adapted_versions_parent_and_lineage(admin_client, lab_a):
    parent = ModelVersionFactory(name="pbc8")
    adapted = ModelVersionFactory(
        name="pbc8-lab-a",
        is_active=False,
        parent=parent,
        lineage={"trained_counts": {"neutrophil": 8}, "code_version": "git abc123"},
    )
    AdaptationJob.objects.create(lab=lab_a, parent=parent, result=adapted)

    version_page = admin_client.get(
        reverse("admin:classifier_modelversion_change", args=[adapted.pk])
    )
    jobs_page = admin_client.get(reverse("admin:review_adaptationjob_changelist"))

    assert version_page.status_code == 200
    body = version_page.content.decode()
    assert "pbc8" in body and "git abc123" in body
    assert jobs_page.status_code == 200
    assert "pbc8-lab-a" in jobs_page.content.decode()
