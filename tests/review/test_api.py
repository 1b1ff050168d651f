from django.urls import reverse

from audit.models import AuditEvent
from classifier.models import Case
from review import services
from review.models import Review


def review_url(image):
    return reverse("review_api:image_review", args=[image.public_id])


def sign_off_url(case):
    return reverse("review_api:case_sign_off", args=[case.public_id])


def test_the_urls_are_the_documented_ones(case):
    image = case.images.first()
    assert review_url(image) == f"/api/v1/images/{image.public_id}/review"
    assert sign_off_url(case) == f"/api/v1/cases/{case.public_id}/sign-off"


def test_a_pathologist_reviews_an_image(client, case, pathologist):
    image = case.images.first()
    client.force_login(pathologist)

    response = client.post(review_url(image), {"label": "monocyte", "comment": "granular"})

    assert response.status_code == 200
    assert response.json()["label"] == "monocyte"
    assert response.json()["predicted_label"] == "neutrophil"
    assert response.json()["reviewer"] == pathologist.email
    assert Review.objects.get(image=image).comment == "granular"


def test_a_technologist_cannot_review(client, case, technologist):
    client.force_login(technologist)
    response = client.post(review_url(case.images.first()), {"label": "monocyte"})
    assert response.status_code == 403
    assert not Review.objects.exists()


def test_a_lab_admin_cannot_review(client, case, lab_admin):
    client.force_login(lab_admin)
    response = client.post(review_url(case.images.first()), {"label": "monocyte"})
    assert response.status_code == 403


def test_another_lab_gets_404(client, case, outsider):
    client.force_login(outsider)
    assert client.post(review_url(case.images.first()), {"label": "monocyte"}).status_code == 404
    assert client.post(sign_off_url(case)).status_code == 404
    assert not Review.objects.exists()


def test_it_requires_authentication(client, case):
    assert client.post(review_url(case.images.first()), {"label": "monocyte"}).status_code in (
        401,
        403,
    )


def test_an_unknown_label_is_400(client, case, pathologist):
    client.force_login(pathologist)
    response = client.post(review_url(case.images.first()), {"label": "dragon"})
    assert response.status_code == 400
    assert "label" in response.json()


def test_sign_off_is_409_with_the_number_of_unreviewed_images(client, case, pathologist):
    client.force_login(pathologist)
    client.post(review_url(case.images.first()), {"label": "neutrophil"})

    response = client.post(sign_off_url(case))

    assert response.status_code == 409
    assert response.json()["unreviewed"] == 3
    case.refresh_from_db()
    assert case.status == Case.Status.AWAITING_REVIEW


def test_sign_off_is_409_while_an_image_is_unidentified(client, case, pathologist):
    from tests.review.helpers import add_image

    add_image(case, "neutrophil", confidence=0.3)
    client.force_login(pathologist)

    response = client.post(sign_off_url(case))

    assert response.status_code == 409
    body = response.json()
    assert (body["unidentified"], body["unreviewed"]) == (1, 5)
    assert "unidentified" in body["detail"]


def test_a_pathologist_signs_off_a_reviewed_case(client, case, pathologist):
    client.force_login(pathologist)
    for image in case.images.all():
        client.post(review_url(image), {"label": image.prediction.label})

    response = client.post(sign_off_url(case))
    again = client.post(sign_off_url(case))

    assert response.status_code == 200
    body = response.json()
    assert body["version"] == 1
    assert body["signed_by"] == pathologist.email
    assert body["differential"]["total"] == 4
    assert again.status_code == 200
    assert again.json()["signed_at"] == body["signed_at"]
    assert AuditEvent.objects.filter(action=AuditEvent.Action.SIGN_OFF).count() == 1


def test_a_technologist_cannot_sign_off(client, case, technologist, pathologist):
    for image in case.images.all():
        services.review_image(image, pathologist, image.prediction.label)
    client.force_login(technologist)
    assert client.post(sign_off_url(case)).status_code == 403
    case.refresh_from_db()
    assert not case.is_signed


def test_reviewing_a_signed_case_is_409(client, case, pathologist):
    for image in case.images.all():
        services.review_image(image, pathologist, image.prediction.label)
    services.sign_off(case, pathologist)
    client.force_login(pathologist)
    response = client.post(review_url(case.images.first()), {"label": "monocyte"})
    assert response.status_code == 409


def test_sign_off_takes_a_comment(client, case, pathologist):
    for image in case.images.all():
        services.review_image(image, pathologist, image.prediction.label)
    client.force_login(pathologist)

    response = client.post(sign_off_url(case), {"comment": "No blasts seen."})

    assert response.status_code == 200
    assert response.json()["comment"] == "No blasts seen."
    assert case.sign_offs.get().comment == "No blasts seen."
