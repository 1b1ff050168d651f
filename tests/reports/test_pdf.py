import io
import re

import pytest
from django.urls import reverse
from PIL import Image
from pypdf import PdfReader
from pypdf.generic import ContentStream

from audit.models import AuditEvent
from classifier.models import CellImage
from reports.pdf import render_pdf
from review import services
from tests.factories import CellImageFactory
from tests.review.helpers import add_field, add_image


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def images_drawn(reader: PdfReader, page) -> int:
    """How many pictures the page draws (its resources may list those of other pages too)."""
    xobjects = page["/Resources"]["/XObject"]
    operations = ContentStream(page.get_contents(), reader).operations
    return sum(
        1
        for operands, operator in operations
        if operator == b"Do" and xobjects[operands[0]].get_object().get("/Subtype") == "/Image"
    )


def sign(case, user, comment=""):
    for image in case.images.all():
        if not hasattr(image, "review"):
            services.review_image(image, user, image.prediction.label)
    services.sign_off(case, user, comment=comment)
    case.refresh_from_db()


def name(user, full_name, title=""):
    user.full_name, user.professional_title = full_name, title
    user.save(update_fields=["full_name", "professional_title"])
    return user


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
    assert re.search(r"All cells counted\s+5", text)
    assert "Percentages are of the leukocytes counted" in text
    assert "not yet reviewed: 4" in text


def test_every_image_is_listed_with_its_labels_and_confidence(report_case):
    text = pdf_text(render_pdf(report_case))
    assert text.count("pbc_BNE_100878.jpg") == 3
    assert "pbc_LY_102859.jpg" in text
    assert re.search(r"pbc_LY_102859\.jpg\s+Lymphocyte\s+0\.90\s+Monocyte", text)


def test_only_retained_images_get_a_thumbnail(report_case):
    reader = PdfReader(io.BytesIO(render_pdf(report_case)))
    assert sum(images_drawn(reader, page) for page in reader.pages) == 1


def test_a_signed_report_has_no_watermark_and_names_the_signer(report_case, pathologist):
    name(pathologist, "Ada Byron", "Consultant haematologist")
    sign(report_case, pathologist)

    text = pdf_text(render_pdf(report_case))

    assert "DRAFT" not in text
    assert "Signed off" in text
    assert "Ada Byron, Consultant haematologist" in text
    assert pathologist.email not in text
    assert "Decision support, not a diagnosis" in text


def test_reviewer_and_signer_appear_by_full_name_and_title(report_case, pathologist, lab_a):
    from tests.factories import MembershipFactory

    second = MembershipFactory(lab=lab_a, role="pathologist").user
    name(pathologist, "Ada Byron", "Consultant haematologist")
    name(second, "Grace Hopper", "Specialty registrar")
    services.review_image(report_case.images.get(prediction__label="platelet"), second, "platelet")
    sign(report_case, pathologist)

    text = " ".join(pdf_text(render_pdf(report_case)).split())

    assert "Reviewed by Ada Byron, Consultant haematologist; Grace Hopper, Specialty registrar" in (
        text
    )
    assert re.search(
        r"Signed off Ada Byron, Consultant haematologist · \d{1,2} \w{3} \d{4}, \d\d:\d\d UTC", text
    )


def test_without_a_name_a_person_is_shown_by_email(report_case, pathologist):
    name(pathologist, "")
    pathologist.first_name = pathologist.last_name = ""
    pathologist.save()
    sign(report_case, pathologist)

    text = pdf_text(render_pdf(report_case))

    assert f"Signed off {pathologist.email}" in text


def test_it_carries_the_comment_the_clinical_note_and_the_priority(report_case, pathologist):
    report_case.clinical_note = "Fever for 3 days; on clozapine."
    report_case.priority = "urgent"
    report_case.save()
    sign(report_case, pathologist, comment="Monocytosis; suggest repeat count in 1 week.")

    text = " ".join(pdf_text(render_pdf(report_case)).split())

    assert "Priority Urgent" in text
    assert "Clinical note Fever for 3 days; on clozapine." in text
    assert "Pathologist's comment Monocytosis; suggest repeat count in 1 week." in text


def test_counts_shares_and_reference_intervals_with_out_of_range_marks(report_case):
    text = pdf_text(render_pdf(report_case))

    # 75 % neutrophils is at the top of 40–75: no mark. 25 % monocytes is above 2–10, 0 %
    # lymphocytes below 20–45. Platelets have no interval.
    assert re.search(r"Neutrophil\s+3\s+75\.0 %\s+30\.1–95\.4\s%\s+40–75\s*\n", text)
    assert re.search(r"Monocyte\s+1\s+25\.0 %\s+4\.6–69\.9\s%\s+2–10\s+H", text)
    assert re.search(r"Lymphocyte\s+0\s+0\.0 %\s+0\.0–49\.0\s%\s+20–45\s+L", text)
    assert re.search(r"Platelet\s+1\s+25\.0 / 100 WBC\s+—\s+—", text)


def test_it_uses_the_labs_own_reference_intervals(report_case, lab_a):
    lab_a.reference_intervals = {"monocyte": [0, 30], "neutrophil": [80, 95]}
    lab_a.save()
    report_case.refresh_from_db()

    text = pdf_text(render_pdf(report_case))

    assert re.search(r"Monocyte\s+1\s+25\.0 %\s+4\.6–69\.9\s%\s+0–30\s*\n", text)
    assert re.search(r"Neutrophil\s+3\s+75\.0 %\s+30\.1–95\.4\s%\s+80–95\s+L", text)


def test_rows_never_split_across_pages(case, tmp_path):
    # 45 retained images with thumbnails make several pages. A row split by a page break would
    # leave a thumbnail on one page and its file name on the next. Each image differs, so the
    # PDF cannot share one picture between rows.
    for index in range(45):
        source = tmp_path / f"cell-{index:02d}.png"
        Image.new("RGB", (64, 64), (index * 5, 120, 255 - index * 5)).save(source)
        add_image(case, "monocyte", retained=True, source=source)
    reader = PdfReader(io.BytesIO(render_pdf(case)))

    assert len(reader.pages) >= 3
    for number, page in enumerate(reader.pages, start=1):
        text = page.extract_text()
        assert len(re.findall(r"cell-\d\d\.png", text)) == images_drawn(reader, page)
        assert f"Page {number} of {len(reader.pages)}" in text
    all_text = "\n".join(page.extract_text() for page in reader.pages)
    assert len(set(re.findall(r"cell-\d\d\.png", all_text))) == 45


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


def test_a_signed_report_keeps_the_intervals_it_was_signed_with(report_case, pathologist, lab_a):
    sign(report_case, pathologist)
    lab_a.reference_intervals = {"monocyte": [0, 30]}
    lab_a.save()
    report_case.refresh_from_db()

    text = pdf_text(render_pdf(report_case))

    assert re.search(r"Monocyte\s+1\s+25\.0 %\s+4\.6–69\.9\s%\s+2–10\s+H", text)


def test_the_pdf_carries_the_count_over_fields(case):
    from tests.review.helpers import add_field

    add_field(case, ["neutrophil", "monocyte"], red_cells=212, platelets=14)
    add_field(case, [], red_cells=190, platelets=13)

    text = pdf_text(render_pdf(case))

    # 6 white cells: 4 neutrophils, 1 lymphocyte, 1 monocyte.
    assert "6 of 100 white cells counted · Count 94 more: upload more fields." in text
    assert re.search(r"Neutrophil\s+4\s+66\.7 %\s+30\.0–90\.3\s%", text)
    assert "Wilson score confidence interval" in text
    assert re.search(r"Fields counted\s+2\n", text)
    assert "Platelet estimate 203,000 /µL (13.5 per field × 15,000, over 2 fields)" in text
    assert "Rough: count at least 10 fields for a platelet estimate." in text
    assert re.search(r"Red cells per field\s+201\.0", text)


def test_a_pdf_without_fields_says_there_is_no_estimate(report_case):
    text = pdf_text(render_pdf(report_case))

    assert "No smear field counted: no platelet estimate and no red cells per field." in text
    assert "/µL" not in text


def test_the_pdf_numbers_follow_the_report_language(case, lab_a):
    from tests.review.helpers import add_field

    lab_a.report_language = "fr"
    lab_a.save()
    case.refresh_from_db()
    add_field(case, ["neutrophil"], red_cells=200, platelets=15)

    text = pdf_text(render_pdf(case))

    assert re.search(r"225\s000 /µL", text)
    assert re.search(r"37,6–96,4\s%", text)


def test_a_field_and_a_no_blood_image_are_named_by_kind_in_the_images_table(report_case):
    """Not a row of dashes: the reader sees which upload was a field and which held no cells."""
    add_field(report_case, white_cells=["neutrophil"])
    CellImageFactory(case=report_case, kind=CellImage.Kind.NONE, status=CellImage.Status.DONE)
    text = pdf_text(render_pdf(report_case))
    assert re.search(r"field-\w+\.jpg\s+Smear field", text)
    assert "No blood cells" in text
