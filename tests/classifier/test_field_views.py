"""The case page lists a field with its counts (or says no blood cells were found); the field
page draws its boxes and lists its white cells."""

import re

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from classifier import tasks
from tests.classifier.conftest import TEXT_PAGE

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("shipped_detector")]


def field_url(image) -> str:
    return reverse("classifier:field_detail", args=[image.public_id])


def test_the_field_url_round_trips(field):
    assert field_url(field) == f"/images/{field.public_id}/field/"


def test_the_case_page_lists_the_field_with_its_counts_and_a_link(client, technologist, field):
    client.force_login(technologist)

    page = client.get(reverse("classifier:case_detail", args=[field.case.public_id])).content
    html = page.decode()

    assert "1 white cell, " in html and field_url(field) in html
    assert html.count('data-testid="image-row"') == 1  # its white cell is on the field's page


def test_the_case_page_says_why_no_blood_cells_were_found(
    client, technologist, case, store_image, fake_model, model_version
):
    image = store_image(case, content=TEXT_PAGE.read_bytes(), name="page.jpg")
    tasks.classify_image(image.pk)
    client.force_login(technologist)

    html = client.get(reverse("classifier:case_detail", args=[case.public_id])).content.decode()

    assert "No blood cells found: it does not look like a stained blood smear." in html
    status = client.get(reverse("classifier:case_status", args=[case.public_id])).json()
    assert status["images"][0]["finding"]["kind"] == "none"
    assert status["images"][0]["error"] == ""


def test_the_field_page_draws_a_box_per_cell_found_and_lists_its_white_cell(
    client, technologist, field
):
    client.force_login(technologist)

    html = client.get(field_url(field)).content.decode()

    for kind in ("wbc", "rbc", "platelet"):
        assert f'id="show-{kind}"' in html
        layer = re.search(rf'data-testid="boxes-{kind}">(.*?)</g>', html).group(1)
        assert layer.count("<rect") == field.counts[kind]
    assert html.count('data-testid="field-cell"') == 1
    assert "Lymphocyte" in html
    assert 'data-testid="cell-review-link"' not in html  # technologists do not review
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.IMAGE_VIEWED, object_id=str(field.public_id)
    ).exists()


def test_a_pathologist_gets_a_review_link_for_each_white_cell(client, pathologist, field):
    [child] = field.cells.all()
    client.force_login(pathologist)

    html = client.get(field_url(field)).content.decode()

    assert reverse("review:image", args=[field.case.public_id, child.public_id]) in html


def test_the_field_page_is_404_for_a_single_cell_and_for_another_lab(
    client, technologist, outsider, field
):
    [child] = field.cells.all()
    client.force_login(technologist)
    assert client.get(field_url(child)).status_code == 404

    client.force_login(outsider)
    assert client.get(field_url(field)).status_code == 404


def test_a_white_cells_review_page_links_back_to_its_field(client, pathologist, field):
    [child] = field.cells.all()
    client.force_login(pathologist)

    response = client.get(reverse("review:image", args=[field.case.public_id, child.public_id]))

    assert response.status_code == 200
    assert field_url(field) in response.content.decode()
