"""The review journey in a real browser with a real worker: images uploaded without consent are
kept for the pathologist, who sees every one in the class gallery, moves three cells in one
action, empties the "unidentified" bin with the keyboard, confirms the rest and signs off; then
every file of the case is gone.
"""

import time
from pathlib import Path

import pytest
from django.conf import settings

from audit.models import AuditEvent
from classifier.models import Case, CellImage, ModelVersion
from review.models import Review
from tests.browser.axe import assert_accessible
from tests.browser.conftest import log_in
from tests.browser.test_main_journey import create_case, upload_and_wait_for_predictions
from tests.integration.model import fixture_images, fixture_labels
from tests.personas import PASSWORD

pytestmark = pytest.mark.browser

PURGE_TIMEOUT_S = 60


def stored_files() -> list[Path]:
    return [path for path in Path(settings.MEDIA_ROOT).rglob("*") if path.is_file()]


def cells(page, group: str):
    return page.locator(f"[data-testid=gallery-group-{group}] [data-testid=gallery-cell]")


def submit_and_wait(page, action) -> None:
    with page.expect_navigation():
        action()
    page.wait_for_load_state("load")


def test_a_pathologist_reviews_in_the_gallery_and_the_files_go_at_sign_off(
    browser_page, live_server, live_celery_worker, active_model_version, pathologist
):
    # A threshold no prediction reaches: every cell starts in the "unidentified" bin.
    ModelVersion.objects.filter(pk=active_model_version.pk).update(confidence_threshold=1.01)
    page = browser_page
    uploads = [fixture_images(label)[0] for label in fixture_labels()[:6]]
    log_in(page, live_server, pathologist.email, PASSWORD)
    create_case(page, "BR-2026-0101", "PSEUDO-4801")
    assert not page.is_checked("[data-testid=upload-form] input[type=checkbox]")
    upload_and_wait_for_predictions(page, uploads)
    case = Case.objects.get(accession="BR-2026-0101")
    assert len(stored_files()) == len(uploads)  # kept for the review, without consent

    page.click("[data-testid=open-gallery]")
    page.wait_for_selector("[data-testid=gallery-form]")
    assert cells(page, "unidentified").count() == len(uploads)
    # The pathologist sees every image.
    page.wait_for_function(
        """count => {
            const images = [...document.querySelectorAll("[data-testid=gallery-cell] img")];
            return images.length === count && images.every(i => i.complete && i.naturalWidth > 0);
        }""",
        arg=len(uploads),
    )
    assert_accessible(page)

    # Three cells in one action: click, shift-click (a range), then the first class's key.
    first_label = active_model_version.labels[0]
    cells(page, "unidentified").nth(0).locator("label").click()
    cells(page, "unidentified").nth(2).locator("label").click(modifiers=["Shift"])
    assert page.inner_text("[data-testid=selection-count]") == "3 selected"
    submit_and_wait(page, lambda: page.keyboard.press("1"))
    moved = Review.objects.filter(image__case=case, label=first_label)
    assert moved.count() == 3
    assert cells(page, "unidentified").count() == len(uploads) - 3
    assert AuditEvent.objects.filter(action=AuditEvent.Action.REVIEW).count() == 3

    # The rest of the bin with the keyboard only: the focus is back in the bin after the post.
    focused = page.evaluate("() => document.activeElement.closest('[data-group]').dataset.group")
    assert focused == "unidentified"
    for index in range(len(uploads) - 3):
        if index:
            page.keyboard.press("ArrowRight")
        page.keyboard.press("x")
    submit_and_wait(page, lambda: page.keyboard.press("2"))
    assert cells(page, "unidentified").count() == 0
    assert Review.objects.filter(image__case=case).count() == len(uploads)

    submit_and_wait(page, lambda: page.click("[data-testid=gallery-sign-off]"))
    page.wait_for_selector("[data-testid=signed-info]")
    assert Case.objects.get(pk=case.pk).status == Case.Status.SIGNED

    # Every file of the case goes once the sign-off has committed (a task on the worker).
    deadline = time.monotonic() + PURGE_TIMEOUT_S
    while stored_files() and time.monotonic() < deadline:
        time.sleep(0.5)
    assert stored_files() == []
    assert not CellImage.objects.filter(case=case).exclude(file="").exists()
    deleted = AuditEvent.objects.filter(action=AuditEvent.Action.IMAGE_DELETED)
    assert deleted.count() == len(uploads)
    assert {event.details["reason"] for event in deleted} == {"case signed off, not retained"}

    # The signed case's gallery: read-only, the results kept, the pictures gone.
    page.click("[data-testid=open-gallery]")
    page.wait_for_selector("[data-testid=locked]")
    assert page.locator(".cell-check").count() == 0
    assert page.locator("[data-testid=gallery-cell] .no-file").count() == len(uploads)
    assert_accessible(page)
