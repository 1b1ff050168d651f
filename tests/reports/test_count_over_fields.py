"""The count over fields on the case page, its live JSON and the review page: white cells against
the lab's target, the 95 % interval per class, the platelet estimate and red cells per field."""

import html
import re

from django.template import Context, Template
from django.urls import reverse

from classifier.case_rows import case_count, case_differential
from classifier.models import CellImage
from review import services
from tests.review.helpers import add_field, add_image


def text_of(response) -> str:
    """The page's visible text, tags dropped and spaces collapsed."""
    page = response.content.decode() if hasattr(response, "content") else response
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


def test_white_cells_from_single_images_and_fields_count_alike(case):
    # 4 single cells (3 neutrophils, 1 lymphocyte) and two fields with 3 white cells.
    add_field(case, ["neutrophil", "monocyte"], red_cells=200, platelets=12)
    add_field(case, ["lymphocyte"], red_cells=180, platelets=15)
    add_image(case, "platelet")  # not a white cell

    count = case_count(case, case_differential(case))

    assert count.white_cells.counted == 7
    assert (count.white_cells.target, count.white_cells.remaining) == (100, 93)
    assert count.fields.fields == 2
    assert count.fields.platelets_per_field == 13.5
    assert count.fields.platelet_estimate == 203000  # 13.5 x 15,000 = 202,500
    assert count.fields.red_cells_per_field == 190.0


def test_fields_still_being_read_and_frames_without_blood_cells_are_not_counted(case):
    add_field(case, ["neutrophil"], platelets=10)
    add_field(case, status=CellImage.Status.QUEUED, platelets=99)
    add_field(case, status=CellImage.Status.FAILED, platelets=99)
    case.images.create(
        kind=CellImage.Kind.NONE,
        original_name="document.png",
        sha256="0" * 64,
        size_bytes=10,
        width=10,
        height=10,
        image_format="PNG",
        status=CellImage.Status.DONE,
    )

    count = case_count(case, case_differential(case))

    assert count.fields.fields == 1
    assert count.fields.platelets == 10
    assert count.white_cells.counted == 5


def test_the_lab_sets_the_target_and_the_factor(case, lab_a):
    lab_a.differential_target, lab_a.platelet_factor = 200, 20000
    lab_a.save()
    case.refresh_from_db()
    add_field(case, platelets=10)

    count = case_count(case, case_differential(case))

    assert (count.white_cells.target, count.white_cells.remaining) == (200, 196)
    assert count.fields.platelet_estimate == 200000


def test_a_signed_case_keeps_the_target_and_factor_it_was_signed_with(case, pathologist, lab_a):
    for image in case.images.all():
        services.review_image(image, pathologist, image.prediction.label)
    services.sign_off(case, pathologist)
    case.refresh_from_db()
    add_field(case, platelets=10)
    lab_a.differential_target, lab_a.platelet_factor = 200, 25000
    lab_a.save()
    case.refresh_from_db()

    count = case_count(case, case_differential(case))

    assert count.white_cells.target == 100
    assert count.fields.platelet_factor == 15000
    assert count.fields.platelet_estimate == 150000


def test_the_case_page_asks_for_more_fields_until_the_target_is_met(client, case, technologist):
    add_field(case, ["neutrophil", "lymphocyte"], red_cells=212, platelets=14)
    client.force_login(technologist)

    text = text_of(client.get(reverse("classifier:case_detail", args=[case.public_id])))

    assert "6 of 100 white cells counted" in text
    assert "Count 94 more: upload more fields." in text
    assert "Platelet estimate 210,000 /µL (14.0 per field × 15,000, over 1 field)" in text
    assert "Rough: count at least 10 fields for a platelet estimate." in text
    assert "Red cells per field 212.0" in text
    # 4 neutrophils of 6 white cells: 66.7 %, Wilson 30.0-90.3 %.
    assert re.search(r"Neutrophil 4 66\.7 % 30\.0–90\.3 %", text)


def test_the_progress_bar_shows_the_share_of_the_target(client, case, technologist):
    client.force_login(technologist)

    html = client.get(reverse("classifier:case_detail", args=[case.public_id])).content.decode()

    assert re.search(r'<progress[^>]*data-testid="white-cells-bar" max="100" value="4"', html)


def test_once_the_target_is_met_it_asks_for_nothing_more(client, case, technologist, lab_a):
    for _ in range(96):
        add_image(case, "neutrophil")
    client.force_login(technologist)

    text = text_of(client.get(reverse("classifier:case_detail", args=[case.public_id])))

    assert "100 of 100 white cells counted" in text
    assert "upload more fields" not in text


def test_without_a_field_there_is_no_estimate_rather_than_zero(client, case, technologist):
    client.force_login(technologist)

    text = text_of(client.get(reverse("classifier:case_detail", args=[case.public_id])))

    assert "No smear field counted: no platelet estimate and no red cells per field." in text
    assert "/µL" not in text


def test_the_numbers_follow_the_readers_language(client, case, technologist):
    from django.conf import settings

    add_field(case, ["neutrophil"], red_cells=200, platelets=15)
    client.force_login(technologist)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"

    html = client.get(reverse("classifier:case_detail", args=[case.public_id])).content.decode()

    assert "225\xa0000 /µL" in html  # 15 x 15,000, French thousands separator
    assert "15,0" in html  # platelets per field, decimal comma
    assert "200,0" in html  # red cells per field
    assert "37,6–96,4\xa0%" in html  # 4 neutrophils of 5 white cells: 80 %, Wilson interval


def test_the_live_state_carries_the_count(client, case, technologist):
    add_field(case, ["monocyte"], platelets=8)
    client.force_login(technologist)

    state = client.get(reverse("classifier:case_status", args=[case.public_id])).json()

    count = state["differential"]["count"]
    assert (count["counted"], count["target"], count["remaining"]) == (5, 100, 95)
    assert count["white_cells_text"] == "5 of 100 white cells counted"
    assert count["more_text"] == "Count 95 more: upload more fields."
    assert count["fields"]["platelet_estimate"] == 120000
    rows = {row["label"]: row for row in state["differential"]["rows"]}
    assert rows["monocyte"]["interval"] == "3.6–62.4\xa0%"  # 1 of 5
    assert rows["platelet"]["interval"] == "—"


def test_the_review_page_shows_the_count_too(client, case, pathologist):
    client.force_login(pathologist)

    text = text_of(client.get(reverse("review:case", args=[case.public_id])))

    assert "4 of 100 white cells counted" in text
    assert "Count 96 more: upload more fields." in text
    assert "No smear field counted" in text
    assert re.search(r"Neutrophil 3 75\.0 % 30\.1–95\.4 %", text)


def test_the_review_pages_count_block_carries_the_fields(case):
    add_field(case, ["neutrophil"], red_cells=150, platelets=20)
    differential = case_differential(case)
    template = Template(
        "{% load reports_tags %}{% count_over_fields case differential as count %}"
        '{% include "reports/_white_cells.html" %}{% include "reports/_smear_fields.html" %}'
    )

    text = text_of(template.render(Context({"case": case, "differential": differential})))

    assert "5 of 100 white cells counted" in text
    assert "Platelet estimate 300,000 /µL (20.0 per field × 15,000, over 1 field)" in text
    assert "Red cells per field 150.0" in text


def test_a_signed_case_short_of_the_target_says_so_instead_of_asking_for_uploads(
    client, case, pathologist
):
    for image in case.images.all():
        services.review_image(image, pathologist, image.prediction.label)
    services.sign_off(case, pathologist)
    client.force_login(pathologist)

    text = text_of(client.get(reverse("classifier:case_detail", args=[case.public_id])))

    assert "Signed 96 white cells short of the lab's target of 100." in text
    assert "upload more fields" not in text


def test_the_history_shows_the_intervals_each_version_was_signed_with(client, case, pathologist):
    for image in case.images.all():
        services.review_image(image, pathologist, image.prediction.label)
    sign_off = services.sign_off(case, pathologist)
    client.force_login(pathologist)

    text = text_of(client.get(reverse("review:history", args=[case.public_id])))

    assert re.search(r"Neutrophil 3 75\.0 % 30\.1–95\.4 %", text)
    # A version signed before intervals existed has none to show.
    for row in sign_off.snapshot["differential"]["rows"]:
        del row["confidence_interval"]
    sign_off.save(update_fields=["snapshot"])
    text = text_of(client.get(reverse("review:history", args=[case.public_id])))
    assert re.search(r"Neutrophil 3 75\.0 % —", text)
