import csv
import datetime
import io

from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from classifier.models import Case
from reports.csv import COLUMNS
from review import services
from tests.review.helpers import add_image, classified_case


def read_csv(content: bytes, record: str = "image") -> list[dict]:
    rows = csv.DictReader(io.StringIO(content.decode("utf-8")))
    return [row for row in rows if row["record"] == record]


def test_the_case_csv_has_one_row_per_image(client, case, pathologist, technologist):
    lymphocyte = case.images.get(prediction__label="lymphocyte")
    services.review_image(lymphocyte, pathologist, "monocyte", "=HYPERLINK(1)")
    client.force_login(technologist)
    url = reverse("reports_api:report_csv", args=[case.public_id])

    response = client.get(url)

    assert url == f"/api/v1/cases/{case.public_id}/report.csv"
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = read_csv(response.content)
    assert list(rows[0]) == COLUMNS
    assert len(rows) == 4
    assert response.content.decode().splitlines()[0] == ",".join(COLUMNS)
    row = next(r for r in rows if r["image_id"] == str(lymphocyte.public_id))
    assert row["accession"] == "ACC-1"
    assert row["patient_ref"] == "PSEUDO-0042"
    assert row["predicted_label"] == "lymphocyte"
    assert row["confidence"] == "0.9000"
    assert row["reviewed_label"] == row["final_label"] == "monocyte"
    assert row["reviewer"] == pathologist.email
    assert row["comment"] == "'=HYPERLINK(1)"  # defused for spreadsheets
    unreviewed = [r for r in rows if r["image_id"] != str(lymphocyte.public_id)]
    assert {r["final_label"] for r in unreviewed} == {"neutrophil"}
    assert {r["reviewed_label"] for r in unreviewed} == {""}
    event = AuditEvent.objects.get(action=AuditEvent.Action.REPORT_DOWNLOADED)
    assert event.details == {"format": "csv"}


def test_a_signed_case_csv_names_the_signer(client, case, pathologist):
    for image in case.images.all():
        services.review_image(image, pathologist, image.prediction.label)
    services.sign_off(case, pathologist)
    client.force_login(pathologist)
    rows = read_csv(client.get(reverse("reports_api:report_csv", args=[case.public_id])).content)
    assert {row["case_status"] for row in rows} == {"signed"}
    assert all(row["signed_at"] for row in rows)


def test_another_lab_gets_404(client, case, outsider):
    client.force_login(outsider)
    response = client.get(reverse("reports_api:report_csv", args=[case.public_id]))
    assert response.status_code == 404


def test_the_lab_export_covers_a_date_range(client, lab_a, lab_b, pathologist, model_version):
    old = classified_case(lab_a, ["neutrophil"], "OLD")
    Case.objects.filter(pk=old.pk).update(created=timezone.now() - datetime.timedelta(days=90))
    classified_case(lab_a, ["platelet", "neutrophil"], "NEW")
    add_image(classified_case(lab_b, ["neutrophil"], "OTHER-LAB"), "platelet")
    client.force_login(pathologist)
    today = timezone.localdate()

    response = client.get(
        reverse("reports:lab_export"),
        {"start": (today - datetime.timedelta(days=7)).isoformat(), "end": today.isoformat()},
    )

    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    rows = read_csv(response.content)
    assert [row["accession"] for row in rows] == ["NEW", "NEW"]
    event = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT_DOWNLOADED)
    assert event.details["export"] == "lab_csv"
    assert event.details["rows"] == 2


def test_the_lab_export_page_shows_its_form(client, lab_admin):
    client.force_login(lab_admin)
    response = client.get(reverse("reports:lab_export"))
    assert response.status_code == 200
    assert b'data-testid="lab-export-form"' in response.content
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT_DOWNLOADED).exists()


def test_the_lab_export_refuses_a_reversed_range(client, pathologist):
    client.force_login(pathologist)
    response = client.get(
        reverse("reports:lab_export"), {"start": "2026-02-01", "end": "2026-01-01"}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert "must not be after" in response.content.decode()


def test_technologists_cannot_export_the_lab(client, technologist):
    client.force_login(technologist)
    assert client.get(reverse("reports:lab_export")).status_code == 403


def test_it_has_a_row_per_class_with_counts_shares_intervals_and_flags(client, case, pathologist):
    lymphocyte = case.images.get(prediction__label="lymphocyte")
    services.review_image(lymphocyte, pathologist, "monocyte")
    client.force_login(pathologist)

    response = client.get(reverse("reports_api:report_csv", args=[case.public_id]))

    classes = {row["class_label"]: row for row in read_csv(response.content, "class")}
    # 3 neutrophils and 1 monocyte: 75 % (40-75, in range), 25 % (2-10: H), 0 % (20-45: L).
    assert classes["neutrophil"]["class_count"] == "3"
    assert classes["neutrophil"]["class_share"] == "75.0"
    assert classes["neutrophil"]["share_unit"] == "%"
    assert (classes["neutrophil"]["reference_low"], classes["neutrophil"]["reference_high"]) == (
        "40.0",
        "75.0",
    )
    assert classes["neutrophil"]["flag"] == ""
    assert classes["monocyte"]["flag"] == "H"
    assert classes["lymphocyte"]["flag"] == "L"
    assert classes["platelet"]["share_unit"] == "/100 WBC"
    assert classes["platelet"]["reference_low"] == ""
    assert all(row["image_id"] == "" for row in classes.values())


def test_it_carries_names_comment_note_and_priority(client, case, pathologist):
    pathologist.full_name, pathologist.professional_title = "Ada Byron", "Consultant"
    pathologist.save()
    case.clinical_note, case.priority = "Fever.", "stat"
    case.save()
    for image in case.images.all():
        services.review_image(image, pathologist, image.prediction.label)
    services.sign_off(case, pathologist, comment="No blasts.")
    client.force_login(pathologist)

    content = client.get(reverse("reports_api:report_csv", args=[case.public_id])).content

    for row in read_csv(content) + read_csv(content, "class"):
        assert row["signed_by"] == pathologist.email
        assert row["signed_by_name"] == "Ada Byron, Consultant"
        assert row["sign_off_comment"] == "No blasts."
        assert row["clinical_note"] == "Fever."
        assert row["priority"] == "stat"
    assert {row["reviewer_name"] for row in read_csv(content)} == {"Ada Byron, Consultant"}


def test_it_downloads_as_an_attachment_named_by_accession(client, case, pathologist):
    client.force_login(pathologist)
    response = client.get(reverse("reports_api:report_csv", args=[case.public_id]))
    assert response["Content-Disposition"] == 'attachment; filename="draft-report-ACC-1.csv"'


def test_the_count_over_fields_columns_follow_the_older_ones(case):
    from reports.csv import case_csv

    header = case_csv(case).splitlines()[0].split(",")

    # Appended at the end, so that a reader that goes by position keeps working.
    assert header[-9:] == [
        "class_ci95_low",
        "class_ci95_high",
        "leukocytes_counted",
        "leukocyte_target",
        "fields_counted",
        "platelets_per_field",
        "platelet_factor",
        "platelet_estimate_per_ul",
        "rbc_per_field",
    ]


def test_every_row_carries_the_count_over_fields_and_class_rows_their_interval(case):
    from reports.csv import case_csv
    from tests.review.helpers import add_field

    add_field(case, ["neutrophil"], red_cells=212, platelets=14)
    add_field(case, ["lymphocyte"], red_cells=190, platelets=15)
    content = case_csv(case).encode()

    classes = {row["class_label"]: row for row in read_csv(content, "class")}
    images = read_csv(content, "image")
    # 6 white cells: 4 neutrophils (66.7 %, Wilson 30.0-90.3), 2 lymphocytes.
    assert (classes["neutrophil"]["class_ci95_low"], classes["neutrophil"]["class_ci95_high"]) == (
        "30.0",
        "90.3",
    )
    assert classes["platelet"]["class_ci95_low"] == classes["platelet"]["class_ci95_high"] == ""
    for row in [*classes.values(), *images]:
        assert row["leukocytes_counted"] == "6"
        assert row["leukocyte_target"] == "100"
        assert row["fields_counted"] == "2"
        assert row["platelets_per_field"] == "14.5"
        assert row["platelet_factor"] == "15000"
        assert row["platelet_estimate_per_ul"] == "218000"  # 14.5 x 15,000 = 217,500
        assert row["rbc_per_field"] == "201.0"
    assert all(row["class_ci95_low"] == "" for row in images)


def test_without_a_field_the_field_columns_are_empty_not_zero(case):
    from reports.csv import case_csv

    rows = read_csv(case_csv(case).encode())

    assert {row["leukocytes_counted"] for row in rows} == {"4"}
    for column in ["fields_counted", "platelet_estimate_per_ul", "rbc_per_field"]:
        assert {row[column] for row in rows} == {""}
