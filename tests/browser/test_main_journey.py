"""The main journey in a real browser: log in, create a case, upload images, watch the
predictions and the differential arrive from a real Celery worker.

Set SCREENSHOT_TO=docs/screenshot.png to also keep the case page's screenshot for the README.
"""

import os
import shutil
from pathlib import Path

import pytest
from pypdf import PdfReader

from classifier.labels import OTHER_LABEL, display_label
from classifier.models import Case, CellImage
from review.models import Review
from tests.browser.conftest import log_in
from tests.integration.model import fixture_images, fixture_labels
from tests.personas import PASSWORD

pytestmark = pytest.mark.browser

RESULT_TIMEOUT_MS = 120_000


def create_case(page, accession: str, patient_ref: str) -> None:
    # Each role lands on its own start page; cases are one click away for everyone.
    page.get_by_role("navigation").get_by_role("link", name="Cases", exact=True).click()
    page.click("[data-testid=new-case]")
    page.fill("input[name=accession]", accession)
    page.fill("input[name=patient_ref]", patient_ref)
    page.locator("[data-testid=case-form] button[type=submit]").click()
    page.wait_for_selector("[data-testid=upload-form]")


def upload_and_wait_for_predictions(page, paths: list[Path]) -> None:
    page.set_input_files("[data-testid=upload-form] input[type=file]", [str(p) for p in paths])
    page.click("[data-testid=upload-button]")
    page.wait_for_function(
        """count => {
            const rows = document.querySelectorAll("[data-testid=image-row]");
            return rows.length === count && [...rows].every(row => row.dataset.status === "done");
        }""",
        arg=len(paths),
        timeout=RESULT_TIMEOUT_MS,
    )


def test_a_technologist_uploads_images_and_watches_the_predictions_arrive(
    browser_page, live_server, live_celery_worker, active_model_version, technologist, tmp_path
):
    page = browser_page
    uploads = [fixture_images(label)[0] for label in fixture_labels()]

    log_in(page, live_server, technologist.email, PASSWORD)
    create_case(page, "BR-2026-0001", "PSEUDO-4711")
    upload_and_wait_for_predictions(page, uploads)

    shown = page.locator("[data-testid=image-label]").all_inner_texts()
    names = {display_label(label) for label in active_model_version.labels}
    assert len(shown) == len(uploads)
    assert all(any(name in text for name in names) for text in shown), shown
    page.wait_for_selector("#case-status[data-status=awaiting_review]")
    case = Case.objects.get(accession="BR-2026-0001")
    assert case.status == Case.Status.AWAITING_REVIEW
    # Uploaded without consent: kept for the pathologists' review only, so the technologist
    # sees a note where the picture would be.
    assert CellImage.objects.filter(case=case).exclude(file="").count() == len(uploads)
    assert page.locator("[data-testid=file-note]").count() == len(uploads)
    # The differential panel (drawn when the page loaded, perhaps with only some images done)
    # refreshes by itself once every image has settled.
    page.wait_for_function(
        """count => {
            const total = document.querySelector("[data-testid=differential-total]");
            return total !== null && total.textContent.trim() === String(count);
        }""",
        arg=len(uploads),
        timeout=10_000,
    )
    progress = page.inner_text("[data-testid=differential-progress]")
    assert progress == f"{len(uploads)} of {len(uploads)} classified"
    # Rows stay in the model's label order, whatever their counts.
    shown_rows = page.eval_on_selector_all(
        "[data-testid=differential] tbody tr", "rows => rows.map(row => row.dataset.label)"
    )
    assert shown_rows == [*active_model_version.labels, OTHER_LABEL]
    screenshot = tmp_path / "case-page.png"
    page.screenshot(path=str(screenshot), full_page=True)
    assert screenshot.stat().st_size > 10_000
    if target := os.environ.get("SCREENSHOT_TO"):
        shutil.copy(screenshot, target)


def test_a_pathologist_reviews_with_the_keyboard_signs_off_and_downloads_the_pdf(
    browser_page, live_server, live_celery_worker, active_model_version, pathologist
):
    page = browser_page
    log_in(page, live_server, pathologist.email, PASSWORD)
    create_case(page, "BR-2026-0002", "PSEUDO-4712")
    page.check("[data-testid=upload-form] input[type=checkbox]")  # keep files for the review
    upload_and_wait_for_predictions(
        page, [fixture_images(label)[0] for label in ("ig", "lymphocyte", "platelet")]
    )
    page.get_by_role("navigation").get_by_role("link", name="Review", exact=True).click()
    page.click("[data-testid=queue-case-link]")
    # Loaded, scripts included: a key pressed before the page's shortcuts are listening is lost.
    with page.expect_navigation():
        page.click("[data-testid=start-review]")

    # A accepts the model's label, 2 picks the second class, O says "other" after a comment
    # (Escape leaves the comment box, so that the key is a shortcut again).
    labels = active_model_version.labels
    verdicts = {}
    for key, chosen in (("a", None), ("2", labels[1]), ("o", OTHER_LABEL)):
        image_id = page.get_attribute("[data-testid=review-page]", "data-image-id")
        predicted = page.get_attribute("[data-testid=predicted-label]", "data-label")
        verdicts[image_id] = chosen or predicted
        if chosen == OTHER_LABEL:
            page.fill("[data-testid=review-comment]", "Smudged cell.")
            page.keyboard.press("Escape")
        with page.expect_navigation():
            page.keyboard.press(key)
    page.focus("[data-testid=sign-off]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_selector("[data-testid=signed-info]")
    with page.expect_download() as download:
        page.click("[data-testid=download-pdf]")
    pdf_path = download.value.path()

    case = Case.objects.get(accession="BR-2026-0002")
    reviews = Review.objects.filter(image__case=case).select_related("image")
    assert {str(review.image.public_id): review.label for review in reviews} == verdicts
    assert [review.comment for review in reviews if review.label == OTHER_LABEL] == [
        "Smudged cell."
    ]
    assert case.status == Case.Status.SIGNED and case.sign_offs.count() == 1
    text = "".join(pdf_page.extract_text() for pdf_page in PdfReader(pdf_path).pages)
    assert "BR-2026-0002" in text and "Not signed off" not in text
