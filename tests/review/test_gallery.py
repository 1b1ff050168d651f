"""The class gallery page (review:gallery) and its one batch post (review:gallery_review)."""

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from classifier.models import Case
from review import services
from review.gallery import UNIDENTIFIED, gallery_groups
from review.models import Review
from tests.review.helpers import add_image


def gallery_url(case):
    return reverse("review:gallery", args=[case.public_id])


def post_url(case):
    return reverse("review:gallery_review", args=[case.public_id])


def ids(*images) -> list[str]:
    return [str(image.public_id) for image in images]


def test_it_groups_every_cell_by_its_current_class_in_the_models_order(case, pathologist):
    unsure = add_image(case, "platelet", confidence=0.3)
    moved = case.images.filter(prediction__label="neutrophil").first()
    services.review_image(moved, pathologist, "monocyte")

    groups = gallery_groups(case)

    assert [group.key for group in groups] == [
        UNIDENTIFIED,
        "lymphocyte",
        "monocyte",
        "neutrophil",
        "platelet",
        "other",
    ]
    cells = {group.key: [cell.pk for cell in group.cells] for group in groups}
    assert cells[UNIDENTIFIED] == [unsure.pk]
    assert cells["monocyte"] == [moved.pk]
    assert len(cells["neutrophil"]) == 2 and cells["platelet"] == []


def test_a_pathologist_sees_the_gallery(client, case, pathologist):
    add_image(case, "neutrophil", retained=True)
    client.force_login(pathologist)

    response = client.get(gallery_url(case))

    assert response.status_code == 200
    assert response.content.count(b'data-testid="gallery-cell"') == 5
    assert b'name="images"' in response.content
    assert b"js/gallery.js" in response.content
    assert b"<script>" not in response.content and b"onclick" not in response.content
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.CASE_VIEWED, details__view="gallery"
    ).exists()


@pytest.mark.parametrize("persona", ["technologist", "lab_admin"])
def test_other_roles_get_403(client, case, persona, request):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(gallery_url(case)).status_code == 403
    assert client.post(post_url(case), {"images": ids(case.images.first())}).status_code == 403


def test_another_lab_gets_404(client, case, outsider):
    client.force_login(outsider)
    assert client.get(gallery_url(case)).status_code == 404
    response = client.post(
        post_url(case), {"images": ids(case.images.first()), "label": "monocyte"}
    )
    assert response.status_code == 404
    assert not Review.objects.exists()


def test_it_rejects_a_get_on_the_post_url(client, case, pathologist):
    client.force_login(pathologist)
    assert client.get(post_url(case)).status_code == 405


def test_one_post_moves_several_cells(client, case, pathologist):
    neutrophils = list(case.images.filter(prediction__label="neutrophil"))
    client.force_login(pathologist)

    response = client.post(
        post_url(case),
        {"images": ids(*neutrophils), "label": "monocyte", "return_to": "neutrophil"},
    )

    assert response.status_code == 302
    assert response.url == gallery_url(case) + "?at=neutrophil"
    assert Review.objects.filter(label="monocyte").count() == 3


def test_confirming_a_group_reviews_its_unreviewed_cells(client, case, pathologist):
    client.force_login(pathologist)

    client.post(post_url(case), {"confirm_group": "neutrophil", "label": "monocyte"})

    assert sorted(Review.objects.values_list("label", flat=True)) == ["neutrophil"] * 3


def test_an_empty_selection_is_explained(client, case, pathologist):
    client.force_login(pathologist)
    response = client.post(post_url(case), {"label": "monocyte"}, follow=True)
    assert "Select at least one cell." in response.content.decode()
    assert not Review.objects.exists()


def test_the_unidentified_bin_is_emptied_by_giving_its_cells_a_class(client, case, pathologist):
    unsure = add_image(case, "neutrophil", confidence=0.3)
    client.force_login(pathologist)

    client.post(post_url(case), {"images": ids(unsure), "label": "lymphocyte"})

    assert gallery_groups(case)[0].cells == []
    assert Review.objects.get(image=unsure).label == "lymphocyte"


def test_a_signed_case_is_shown_read_only(client, case, pathologist):
    Case.objects.filter(pk=case.pk).update(status=Case.Status.SIGNED)
    client.force_login(pathologist)

    page = client.get(gallery_url(case))
    response = client.post(
        post_url(case), {"images": ids(case.images.first()), "label": "monocyte"}
    )

    assert b'name="images"' not in page.content and b'data-testid="amend"' in page.content
    assert response.status_code == 302
    assert not Review.objects.exists()


def test_the_case_page_and_the_queue_link_to_it(client, case, pathologist):
    client.force_login(pathologist)
    url = gallery_url(case).encode()
    assert url in client.get(reverse("classifier:case_detail", args=[case.public_id])).content
    assert url in client.get(reverse("review:queue")).content
    assert url in client.get(reverse("review:case", args=[case.public_id])).content


def test_a_case_without_classified_cells_has_an_empty_gallery(client, lab_a, pathologist):
    from tests.review.helpers import make_case

    empty = make_case(lab_a, "EMPTY-1", status=Case.Status.PROCESSING)
    client.force_login(pathologist)
    response = client.get(gallery_url(empty))
    assert response.status_code == 200
    assert b'data-testid="gallery-cell"' not in response.content


def test_it_says_how_many_cells_are_still_being_classified(client, case, pathologist):
    from classifier.models import CellImage
    from tests.factories import CellImageFactory

    CellImageFactory(case=case, status=CellImage.Status.QUEUED)
    client.force_login(pathologist)
    response = client.get(gallery_url(case))
    assert "1 still being classified" in response.content.decode()
    assert response.content.count(b'data-testid="gallery-cell"') == 4
