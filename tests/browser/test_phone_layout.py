"""At 390 px (a phone) no main page scrolls sideways: tables become one card per row.

With SCREENSHOT_DIR set, each page is also saved there at 390x844 and at 1280x800.
"""

import os
from pathlib import Path

import pytest

from review import heatmaps, services, tasks
from tests.browser.conftest import log_in, log_out
from tests.personas import PASSWORD
from tests.review.helpers import add_image, make_case, make_version
from tests.review.test_lime import FakeClassifier

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


@pytest.fixture
def lab_with_cases(transactional_db, lab_a, technologist, pathologist, lab_admin, monkeypatch):
    make_version()
    pathologist.full_name, pathologist.professional_title = "Ada Byron", "Consultant haematologist"
    pathologist.save()
    case = make_case(
        lab_a,
        "H26-000123-LONG-ACCESSION",
        patient_ref="PSEUDO-0000042-XYZ",
        clinical_note="Fever for three days; query left shift.",
        priority="urgent",
    )
    for label in ["neutrophil", "neutrophil", "lymphocyte", "monocyte", "platelet"]:
        add_image(case, label, retained=True)
    add_image(case, "neutrophil", confidence=0.3)
    for image in list(case.images.all())[:3]:
        services.review_image(image, pathologist, image.prediction.label, "Typical morphology.")
    make_case(lab_a, "H26-000124", priority="stat")
    # The LIME picture of the monocyte, computed as the explain queue would (fake classifier).
    monkeypatch.setattr(heatmaps, "classifier_for", lambda version: FakeClassifier())
    monkeypatch.setattr(tasks.compute_lime, "delay_on_commit", lambda image_id: None)
    monocyte = case.images.get(prediction__label="monocyte")
    heatmaps.request_lime(monocyte)
    tasks.compute_lime(monocyte.pk)
    return case


def save(page, name: str) -> None:
    if directory := os.environ.get("SCREENSHOT_DIR"):
        Path(directory).mkdir(parents=True, exist_ok=True)
        # A full-page picture shows images below the fold, which lazy loading has not fetched.
        page.evaluate("document.querySelectorAll('img').forEach(i => { i.loading = 'eager'; })")
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(Path(directory) / f"{name}.png"), full_page=True)


def check_page(page, url: str, name: str) -> None:
    page.set_viewport_size(PHONE)
    page.goto(url)
    page.wait_for_load_state("networkidle")
    width = page.evaluate("document.documentElement.scrollWidth")
    save(page, f"{name}-390")
    assert width <= PHONE["width"], f"{name} is {width} px wide at 390 px"
    page.set_viewport_size(DESKTOP)
    page.goto(url)
    save(page, f"{name}-1280")


def test_no_page_scrolls_sideways_on_a_phone(
    browser_page, live_server, lab_with_cases, technologist, pathologist, lab_admin
):
    case = lab_with_cases
    page = browser_page
    base = live_server.url

    log_in(page, live_server, technologist.email, PASSWORD)
    check_page(page, f"{base}/cases/", "case-list")
    check_page(page, f"{base}/cases/{case.public_id}/", "case-page")
    log_out(page)

    log_in(page, live_server, pathologist.email, PASSWORD)
    check_page(page, f"{base}/review/", "review-queue")
    check_page(page, f"{base}/review/cases/{case.public_id}/", "review-case")
    monocyte = case.images.get(prediction__label="monocyte")
    check_page(
        page, f"{base}/review/cases/{case.public_id}/images/{monocyte.public_id}/", "review-image"
    )
    log_out(page)

    log_in(page, live_server, lab_admin.email, PASSWORD)
    check_page(page, f"{base}/lab/members/", "lab-members")
    check_page(page, f"{base}/lab/settings/", "lab-settings")
    check_page(page, f"{base}/reports/overview/", "lab-overview")
    check_page(page, f"{base}/no-such-page/", "not-found")
