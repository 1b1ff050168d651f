"""A smear field in a real browser: upload it (with a typed page beside it), see it listed with its
counts, open its page, see the boxes drawn and toggled, and its white cell ready for review.

Set SCREENSHOT_DIR=/some/folder to keep the case and field pages at 1280 and 390 px, in English
and Spanish (fields-<page>-<language>-<width>.png).
"""

from pathlib import Path

import pytest

from tests.browser.axe import assert_accessible
from tests.browser.conftest import log_in
from tests.browser.layout import check_widths
from tests.browser.test_main_journey import RESULT_TIMEOUT_MS, create_case
from tests.personas import PASSWORD
from tests.shipped import require_shipped_detector

pytestmark = pytest.mark.browser

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
FIELD_JPEG = FIXTURES / "fields" / "images" / "BloodImage_00094.jpg"
TEXT_PAGE = FIXTURES / "nonblood" / "text_page.jpg"


def keep_screenshots(page, name: str, language: str) -> None:
    check_widths(page, f"fields-{name}-{language}")


BOX_LAYER_DISPLAY = "k => getComputedStyle(document.querySelector(`[data-testid=boxes-${k}]`))"


def boxes_shown(page, kind: str) -> bool:
    return page.evaluate(BOX_LAYER_DISPLAY + ".display", kind) != "none"


def test_a_pathologist_uploads_a_field_and_sees_its_boxes_and_cells(
    browser_page, live_server, live_celery_worker, active_model_version, pathologist
):
    require_shipped_detector()
    page = browser_page
    log_in(page, live_server, pathologist.email, PASSWORD)
    create_case(page, "BR-FIELD-1", "PSEUDO-F1")

    page.set_input_files(
        "[data-testid=upload-form] input[type=file]", [str(FIELD_JPEG), str(TEXT_PAGE)]
    )
    page.check("[data-testid=upload-form] input[name=consent_retain]")
    page.click("[data-testid=upload-button]")
    page.wait_for_function(
        """() => {
            const rows = [...document.querySelectorAll("[data-testid=image-row]")];
            return rows.length === 2 && rows.every(row => row.dataset.status === "done");
        }""",
        timeout=RESULT_TIMEOUT_MS,
    )
    assert page.locator("tr[data-kind=none]").inner_text().count("No blood cells found") == 1
    assert "1 white cell" in page.locator("tr[data-kind=field]").inner_text()
    page.wait_for_selector("#case-status[data-status=awaiting_review]")
    keep_screenshots(page, "case", "en")

    page.click("[data-testid=field-link]")
    page.wait_for_selector("[data-testid=field-svg]")
    assert page.locator("[data-testid=boxes-wbc] rect").count() == 1
    assert page.locator("[data-testid=boxes-rbc] rect").count() >= 10
    page.click("label[for=show-rbc]")
    assert not boxes_shown(page, "rbc") and boxes_shown(page, "wbc")
    page.click("label[for=show-rbc]")
    assert boxes_shown(page, "rbc")
    [cell] = page.locator("[data-testid=field-cell]").all()
    assert cell.locator("img").evaluate("img => img.complete && img.naturalWidth > 0")
    assert_accessible(page)
    keep_screenshots(page, "field", "en")
    page.select_option("[data-testid=language-select]", "es")
    page.wait_for_selector("html[lang=es]")
    keep_screenshots(page, "field", "es")
    page.click("[data-testid=back-to-case]")
    page.wait_for_selector("html[lang=es] [data-testid=image-row]")
    keep_screenshots(page, "case", "es")
    page.click("[data-testid=field-link]")

    page.click("[data-testid=cell-review-link]")
    page.wait_for_selector("[data-testid=review-page]")
    assert page.locator("[data-testid=cell-image]").count() == 1
