from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse

from classifier import summaries
from review import services


def render_panel(case, user) -> str:
    template = Template("{% load reports_tags %}{% case_report_panel case %}")
    request = RequestFactory().get("/")
    request.user = user
    return template.render(
        Context({"case": case, "membership": user.membership, "request": request})
    )


def test_the_panel_shows_the_differential_and_the_download_links(case, pathologist):
    html = render_panel(case, pathologist)

    assert 'data-testid="differential"' in html
    assert 'data-testid="differential-neutrophil"' in html
    assert reverse("reports_api:report_pdf", args=[case.public_id]) in html
    assert reverse("reports_api:report_csv", args=[case.public_id]) in html
    assert reverse("reports_api:fhir", args=[case.public_id]) in html
    assert reverse("review:case", args=[case.public_id]) in html
    assert "4 images not yet reviewed" in html


def test_technologists_get_no_review_button(case, technologist):
    html = render_panel(case, technologist)
    assert 'data-testid="open-review"' not in html
    assert 'data-testid="download-pdf"' in html


def test_a_signed_case_shows_who_signed_and_the_history_link(case, pathologist):
    for image in case.images.all():
        services.review_image(image, pathologist, image.prediction.label)
    services.sign_off(case, pathologist)
    case.refresh_from_db()

    html = render_panel(case, pathologist)

    assert 'data-testid="signed-badge"' in html
    assert reverse("review:history", args=[case.public_id]) in html


def test_the_differential_api(client, case, technologist, outsider):
    client.force_login(technologist)
    url = reverse("reports_api:differential", args=[case.public_id])
    body = client.get(url).json()
    assert body["total"] == 4
    assert body["unreviewed"] == 4
    assert {
        "label": "neutrophil",
        "count": 3,
        "percent": 75.0,
        "per_100_leukocytes": None,
        "confidence_interval": [30.1, 95.4],
    } in body["rows"]
    client.force_login(outsider)
    assert client.get(url).status_code == 404


def test_the_share_column_reads_rows_and_old_snapshots():
    from classifier.differential import DifferentialRow
    from reports.templatetags.reports_tags import differential_share

    assert differential_share(DifferentialRow("neutrophil", 3, 75.0)) == "75.0 %"
    assert differential_share(DifferentialRow("erythroblast", 2, None, 4.0)) == "4.0 / 100 WBC"
    assert differential_share(DifferentialRow("platelet", 2, None, None)) == "—"
    # A version signed before shares were per 100 leukocytes shows what was signed.
    assert differential_share({"label": "platelet", "count": 1, "percent": 20.0}) == "20.0 %"


def test_the_differential_api_carries_the_count_over_fields(client, case, technologist):
    from tests.review.helpers import add_field

    add_field(case, ["monocyte"], red_cells=201, platelets=13)
    client.force_login(technologist)

    body = client.get(reverse("reports_api:differential", args=[case.public_id])).json()

    assert body["count"] == {
        "white_cells": {"counted": 5, "target": 100, "remaining": 95, "target_met": False},
        "fields": {
            "fields": 1,
            "platelets_per_field": 13.0,
            "platelet_factor": 15000,
            "platelet_estimate_per_ul": 195000,
            "red_cells_per_field": 201.0,
        },
    }


def test_a_fully_reviewed_case_has_no_not_yet_reviewed_note(case, pathologist):
    for image in case.images.all():
        services.review_image(image, pathologist, image.prediction.label)
    html = render_panel(case, pathologist)
    assert "not yet reviewed" not in html
    assert summaries.unreviewed_text(0) == ""
    assert summaries.unreviewed_text(2).startswith("2 images not yet reviewed")
