from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from accounts.models import Membership
from review.models import AdaptationJob
from tests import personas
from tests.review.adaptation_helpers import reviewed_cells
from tests.svg import svg_texts


def test_it_shows_the_lab_admin_the_version_and_reviewed_cells_per_class(
    client, lab_a, lab_admin, pathologist, model_version, settings
):
    settings.ADAPTATION_MIN_CELLS_PER_CLASS = 2
    reviewed_cells(lab_a, pathologist, {"neutrophil": 2, "lymphocyte": 1})
    client.force_login(lab_admin)

    response = client.get(reverse("review:lab_model"))

    assert response.status_code == 200
    body = response.content.decode()
    assert model_version.name in body
    counts = {row["label"]: row["count"] for row in response.context["counts"]}
    assert counts == {"lymphocyte": 1, "neutrophil": 2}
    assert response.context["ready"] is False
    assert reverse("review:adaptation_start") not in body


def test_it_offers_adapt_once_every_class_has_enough(
    client, lab_a, lab_admin, pathologist, model_version, settings
):
    settings.ADAPTATION_MIN_CELLS_PER_CLASS = 2
    reviewed_cells(lab_a, pathologist, {"neutrophil": 2, "lymphocyte": 2})
    client.force_login(lab_admin)

    response = client.get(reverse("review:lab_model"))

    assert response.context["ready"] is True
    assert reverse("review:adaptation_start") in response.content.decode()


def test_it_refuses_a_technologist(client, technologist):
    client.force_login(technologist)

    response = client.get(reverse("review:lab_model"))

    assert response.status_code == 403


def test_another_labs_admin_gets_404_for_a_job(client, lab_a, lab_admin, model_version):
    job = AdaptationJob.objects.create(lab=lab_a, requested_by=lab_admin, parent=model_version)
    other_admin = personas.make_member(
        "admin@lab-b.example.org", Membership.Role.LAB_ADMIN, personas.LAB_B
    )
    client.force_login(other_admin)

    for name in ("adaptation_status", "adaptation_confusion"):
        assert client.get(reverse(f"review:{name}", args=[job.public_id])).status_code == 404
    for name in ("adaptation_cancel", "adaptation_activate", "adaptation_roll_back"):
        assert client.post(reverse(f"review:{name}", args=[job.public_id])).status_code == 404
    assert client.get(reverse("review:lab_model")).context["jobs"] == []


def test_the_tabs_link_to_the_page(client, lab_admin):
    client.force_login(lab_admin)

    response = client.get(reverse("accounts:members"))

    assert reverse("review:lab_model") in response.content.decode()


def test_a_running_job_shows_its_progress_through_the_static_script(
    client, lab_a, lab_admin, model_version
):
    job = AdaptationJob.objects.create(
        lab=lab_a,
        requested_by=lab_admin,
        parent=model_version,
        status=AdaptationJob.Status.RUNNING,
        percent=40.0,
    )
    client.force_login(lab_admin)

    body = client.get(reverse("review:lab_model")).content.decode()

    assert reverse("review:adaptation_status", args=[job.public_id]) in body
    assert reverse("review:adaptation_cancel", args=[job.public_id]) in body
    assert "js/adaptation.js" in body
    # Strict CSP: every script is a file or inert JSON.
    for tag in body.split("<script")[1:]:
        assert tag.lstrip().startswith(("src=", 'id="adaptation-strings" type="application/json"'))


def test_the_confusion_chart_keeps_the_classes_that_occur_predicted_in_rows():
    from review.adaptation import status

    labels = ["basophil", "eosinophil", "lymphocyte", "platelet"]
    true_by_predicted = [[0, 0, 0, 0], [0, 3, 0, 1], [0, 2, 5, 0], [0, 0, 0, 0]]
    report = {"labels": labels, "after": {"held_out": {"confusion_matrix": true_by_predicted}}}

    shown, predicted_by_true = status.held_out_confusion(report)

    assert shown == ["eosinophil", "lymphocyte", "platelet"]  # platelet: predicted only
    assert predicted_by_true == [[3, 2, 0], [0, 5, 0], [1, 0, 0]]


def test_the_held_out_confusion_is_svg_in_the_readers_language(
    client, lab_a, lab_admin, model_version, settings
):
    report = {
        "labels": ["lymphocyte", "monocyte", "neutrophil"],
        "after": {"held_out": {"confusion_matrix": [[3, 0, 0], [0, 0, 0], [1, 0, 4]]}},
    }
    job = AdaptationJob.objects.create(
        lab=lab_a, requested_by=lab_admin, parent=model_version, report=report
    )
    client.force_login(lab_admin)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "hi"
    with translation.override("hi"):
        title, neutrophil, monocyte = (
            gettext(text) for text in ("Model vs reviewer", "Neutrophil", "Monocyte")
        )
    assert title != "Model vs reviewer"

    response = client.get(reverse("review:adaptation_confusion", args=[job.public_id]))

    assert response["Content-Type"] == "image/svg+xml"
    assert response["Cache-Control"] == "private, no-store"
    texts = svg_texts(response.content)
    assert {title, neutrophil} <= texts
    assert monocyte not in texts  # no held-out cell of it, so no row or column


def test_a_job_without_a_report_has_no_chart(client, lab_a, lab_admin, model_version):
    job = AdaptationJob.objects.create(lab=lab_a, requested_by=lab_admin, parent=model_version)
    client.force_login(lab_admin)

    response = client.get(reverse("review:adaptation_confusion", args=[job.public_id]))

    assert response.status_code == 404
