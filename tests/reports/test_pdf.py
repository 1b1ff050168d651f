import io
import re

import pytest
from django.urls import reverse
from pypdf import PdfReader

from audit.models import AuditEvent
from reports.pdf import render_pdf
from review import services
from tests.review.helpers import add_image


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def sign(case, user):
    for image in case.images.all():
        services.review_image(image, user, image.prediction.label)
    services.sign_off(case, user)
    case.refresh_from_db()


@pytest.fixture
def report_case(case, pathologist):
    add_image(case, "platelet", retained=True)
    services.review_image(case.images.get(prediction__label="lymphocyte"), pathologist, "monocyte")
    return case


def test_a_draft_report_carries_the_case_and_the_watermark(report_case):
    text = pdf_text(render_pdf(report_case))

    assert "DRAFT" in text
    for expected in ["Lab A", "ACC-1", "PSEUDO-0042", "Peripheral blood smear", "pbc-test"]:
        assert expected in text
    assert "Decision support, not a diagnosis" in text
    assert "Not signed off" in text


def test_the_differential_figures_are_in_the_pdf(report_case):
    text = pdf_text(render_pdf(report_case))
    # 5 images: 3 neutrophils, 1 platelet, 1 lymphocyte reviewed as monocyte: 4 leukocytes.
    assert re.search(r"Neutrophil\s+3\s+75\.0 %", text)
    assert re.search(r"Monocyte\s+1\s+25\.0 %", text)
    assert re.search(r"Platelet\s+1\s+25\.0 / 100 WBC", text)
    assert re.search(r"Lymphocyte\s+0\s+0\.0 %", text)
    assert re.search(r"Leukocytes\s+4\s+100\.0 %", text)
    assert re.search(r"All images counted\s+5", text)
    assert "Percentages are of the leukocytes counted" in text
    assert "not yet reviewed: 4" in text


def test_every_image_is_listed_with_its_labels_and_confidence(report_case):
    text = pdf_text(render_pdf(report_case))
    assert text.count("pbc_BNE_100878.jpg") == 3
    assert "pbc_LY_102859.jpg" in text
    assert re.search(r"pbc_LY_102859\.jpg\s+Lymphocyte\s+0\.90\s+Monocyte", text)


def test_only_retained_images_get_a_thumbnail(report_case):
    reader = PdfReader(io.BytesIO(render_pdf(report_case)))
    images = [image for page in reader.pages for image in page.images]
    assert len(images) == 1


def test_a_signed_report_has_no_watermark_and_names_the_signer(report_case, pathologist):
    sign(report_case, pathologist)

    text = pdf_text(render_pdf(report_case))

    assert "DRAFT" not in text
    assert "Signed off" in text
    assert pathologist.email in text
    assert "Decision support, not a diagnosis" in text


def test_the_api_serves_it_to_lab_members_and_audits_the_download(
    client, report_case, technologist
):
    client.force_login(technologist)
    url = reverse("reports_api:report_pdf", args=[report_case.public_id])

    response = client.get(url)

    assert url == f"/api/v1/cases/{report_case.public_id}/report.pdf"
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert 'filename="draft-report-ACC-1.pdf"' in response["Content-Disposition"]
    event = AuditEvent.objects.get(action=AuditEvent.Action.REPORT_DOWNLOADED)
    assert event.details == {"format": "pdf", "draft": True}
    assert event.object_id == str(report_case.public_id)


def test_it_honours_an_accept_header_for_pdf(client, report_case, technologist):
    client.force_login(technologist)
    url = reverse("reports_api:report_pdf", args=[report_case.public_id])
    assert client.get(url, HTTP_ACCEPT="application/pdf").status_code == 200


def test_another_lab_gets_404(client, report_case, outsider):
    client.force_login(outsider)
    response = client.get(reverse("reports_api:report_pdf", args=[report_case.public_id]))
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.REPORT_DOWNLOADED).exists()
