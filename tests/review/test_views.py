import pytest
from django.urls import reverse

from audit.models import AuditEvent
from classifier.models import Case, CellImage
from review import services
from review.models import Amendment, Review
from tests.factories import CellImageFactory
from tests.review.helpers import add_field, add_image, make_case


def image_url(case, image):
    return reverse("review:image", args=[case.public_id, image.public_id])


def review_all(case, user):
    for image in case.images.all():
        services.review_image(image, user, image.prediction.label)


@pytest.mark.parametrize("name", ["review:case", "review:sign_off", "review:amend"])
def test_a_technologist_gets_403(client, case, technologist, name):
    client.force_login(technologist)
    response = client.post(reverse(name, args=[case.public_id]))
    assert response.status_code == 403


def test_a_technologist_gets_403_on_the_queue_and_image_page(client, case, technologist):
    client.force_login(technologist)
    assert client.get(reverse("review:queue")).status_code == 403
    assert (
        client.post(image_url(case, case.images.first()), {"label": "monocyte"}).status_code == 403
    )
    assert not Review.objects.exists()


def test_another_lab_gets_404(client, case, outsider):
    client.force_login(outsider)
    image = case.images.first()
    assert client.get(reverse("review:case", args=[case.public_id])).status_code == 404
    assert client.post(image_url(case, image), {"label": "monocyte"}).status_code == 404
    assert client.post(reverse("review:sign_off", args=[case.public_id])).status_code == 404
    assert client.get(reverse("review:history", args=[case.public_id])).status_code == 404


def test_the_queue_lists_cases_hardest_first_with_counts(client, lab_a, pathologist, model_version):
    easy = make_case(lab_a, "EASY")
    add_image(easy, "neutrophil", confidence=0.99)
    hard = make_case(lab_a, "HARD")
    add_image(hard, "neutrophil", confidence=0.3)  # below the 0.5 threshold: unidentified
    add_image(hard, "platelet", confidence=0.7)  # low confidence
    make_case(lab_a, "SIGNED", status=Case.Status.SIGNED)
    client.force_login(pathologist)

    response = client.get(reverse("review:queue"))

    cases = list(response.context["cases"])
    assert [c.accession for c in cases] == ["HARD", "EASY"]
    assert (cases[0].image_count, cases[0].unreviewed_count) == (2, 2)
    assert (cases[0].unidentified_count, cases[0].low_confidence_count) == (1, 1)
    assert b'data-testid="review-queue"' in response.content


def test_the_image_page_shows_the_prediction_and_a_button_per_class(client, case, pathologist):
    client.force_login(pathologist)
    image = case.images.first()

    response = client.get(image_url(case, image))

    content = response.content.decode()
    assert response.status_code == 200
    for selector in [
        'data-testid="review-page"',
        'data-testid="predicted-label"',
        'data-testid="probabilities"',
        'data-testid="accept"',
        'data-testid="label-lymphocyte"',
        'data-testid="label-platelet"',
        'data-testid="label-other"',
        'data-testid="review-comment"',
        'data-testid="image-not-retained"',
    ]:
        assert selector in content
    assert 'data-key="a"' in content and 'data-key="o"' in content and 'data-key="1"' in content
    assert "js/review.js" in content


def test_the_image_page_shows_a_retained_image_through_the_permission_checking_view(
    client, case, pathologist
):
    image = add_image(case, "monocyte", retained=True)
    client.force_login(pathologist)
    content = client.get(image_url(case, image)).content.decode()
    assert reverse("classifier:image_file", args=[image.public_id]) in content
    assert 'data-testid="heatmap-request"' in content


def test_posting_a_label_reviews_and_goes_to_the_next_unreviewed_image(client, case, pathologist):
    client.force_login(pathologist)
    images = list(case.images.order_by("created"))

    response = client.post(image_url(case, images[0]), {"label": "other", "comment": "blurred"})

    review = Review.objects.get(image=images[0])
    assert (review.label, review.comment, review.reviewer) == ("other", "blurred", pathologist)
    assert response.status_code == 302
    assert response.url.startswith(reverse("review:case", args=[case.public_id]) + "images/")
    assert str(images[0].public_id) not in response.url
    assert AuditEvent.objects.filter(action=AuditEvent.Action.REVIEW).count() == 1


def test_the_last_review_leads_back_to_the_case_with_the_sign_off_button(client, case, pathologist):
    client.force_login(pathologist)
    *rest, last = case.images.all()
    for image in rest:
        services.review_image(image, pathologist, "neutrophil")

    response = client.post(image_url(case, last), {"label": "lymphocyte"}, follow=True)

    assert response.redirect_chain[-1][0] == reverse("review:case", args=[case.public_id])
    assert b'data-testid="sign-off"' in response.content


def test_signing_off_through_the_page(client, case, pathologist):
    review_all(case, pathologist)
    client.force_login(pathologist)

    response = client.post(reverse("review:sign_off", args=[case.public_id]), follow=True)

    case.refresh_from_db()
    assert case.is_signed
    assert b'data-testid="signed-info"' in response.content
    assert b'data-testid="amend"' in response.content


def test_signing_off_too_early_shows_the_reason(client, case, pathologist):
    client.force_login(pathologist)
    response = client.post(reverse("review:sign_off", args=[case.public_id]), follow=True)
    case.refresh_from_db()
    assert not case.is_signed
    assert "4 images are not reviewed yet." in response.content.decode()


def test_a_signed_case_shows_no_review_form(client, case, pathologist):
    review_all(case, pathologist)
    services.sign_off(case, pathologist)
    client.force_login(pathologist)
    response = client.get(image_url(case, case.images.first()))
    assert b'data-testid="review-form"' not in response.content
    assert b'data-testid="locked"' in response.content


def test_amending_through_the_page_keeps_the_history(client, case, pathologist, technologist):
    review_all(case, pathologist)
    services.sign_off(case, pathologist)
    image = case.images.get(prediction__label="lymphocyte")
    client.force_login(pathologist)
    url = reverse("review:amend", args=[case.public_id])
    data = {str(i.public_id): i.prediction.label for i in case.images.all()}
    data |= {str(image.public_id): "monocyte", "reason": "Rechecked the smear"}

    response = client.post(url, data, follow=True)

    assert Amendment.objects.get().reason == "Rechecked the smear"
    content = response.content.decode()
    assert content.count('data-testid="signed-version"') == 2
    assert "Lymphocyte → Monocyte" in content
    client.force_login(technologist)  # the history is visible to every member of the lab
    assert client.get(reverse("review:history", args=[case.public_id])).status_code == 200


def test_the_review_pages_are_audited(client, case, pathologist):
    image = case.images.first()
    client.force_login(pathologist)

    client.get(reverse("review:queue"))
    client.get(reverse("review:case", args=[case.public_id]))
    client.get(image_url(case, image))
    client.get(reverse("review:history", args=[case.public_id]))

    events = AuditEvent.objects.filter(user=pathologist)
    assert events.filter(action="cases_listed", details__view="review queue").exists()
    assert events.filter(action="case_viewed", object_id=str(case.public_id)).count() == 2
    assert events.filter(action="image_viewed", object_id=str(image.public_id)).exists()


def test_the_sign_off_form_takes_the_pathologists_comment(client, case, pathologist):
    review_all(case, pathologist)
    client.force_login(pathologist)
    page = client.get(reverse("review:case", args=[case.public_id]))
    assert b'name="comment"' in page.content

    response = client.post(
        reverse("review:sign_off", args=[case.public_id]),
        {"comment": "Smear quality adequate."},
        follow=True,
    )

    assert case.sign_offs.get().comment == "Smear quality adequate."
    assert b'data-testid="sign-off-comment"' in response.content
    assert b"Smear quality adequate." in response.content


def test_the_other_key_is_shown_as_a_word_not_a_lone_letter(client, case, pathologist):
    client.force_login(pathologist)
    content = client.get(image_url(case, case.images.first())).content.decode()
    assert '<kbd class="word"' in content
    assert ">Other / artefact</kbd>" in content
    assert "<kbd>O</kbd>" not in content


def test_the_summary_points_unidentified_images_to_the_gallery(client, case, pathologist):
    add_image(case, "neutrophil", confidence=0.3)
    client.force_login(pathologist)

    html = client.get(reverse("review:case", args=[case.public_id])).content.decode()

    assert "1 of them is unidentified: give it a class in the gallery." in html
    assert reverse("review:gallery", args=[case.public_id]) in html


def test_signing_off_with_an_unidentified_image_is_refused_with_a_message(
    client, case, pathologist
):
    unsure = add_image(case, "neutrophil", confidence=0.3)
    review_all_but = [image for image in case.images.all() if image != unsure]
    for image in review_all_but:
        services.review_image(image, pathologist, image.prediction.label)
    client.force_login(pathologist)

    response = client.post(reverse("review:sign_off", args=[case.public_id]), follow=True)

    assert "1 image is still unidentified: give it a class in the gallery." in (
        response.content.decode()
    )
    case.refresh_from_db()
    assert case.status == Case.Status.AWAITING_REVIEW


def test_the_case_review_shows_a_field_and_a_no_blood_image_by_kind_not_as_final_done(
    client, case, pathologist
):
    """A field or a no-blood image is not a cell to review: its row says what it is (the field
    linking to its page), and its Final column does not read as a reviewed "Done"."""
    field = add_field(case, white_cells=["neutrophil"])
    CellImageFactory(case=case, kind=CellImage.Kind.NONE, status=CellImage.Status.DONE)
    client.force_login(pathologist)
    page = client.get(reverse("review:case", args=[case.public_id])).content.decode()
    assert reverse("classifier:field_detail", args=[field.public_id]) in page
    assert page.count('data-testid="review-kind"') == 2
    assert ">Smear field<" in page and ">No blood cells<" in page
    assert ">Done<" not in page
