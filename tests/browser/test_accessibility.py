"""axe-core finds nothing on the main pages: login, case list, case, gallery, review pages,
queue, lab. The case is built in the database (no worker needed): cells of several classes,
two of them unidentified, their files kept for the review.

Set SCREENSHOT_DIR=/some/folder to also keep the gallery's screenshots (desktop and phone).
"""

import os
from pathlib import Path

import pytest
from django.urls import reverse

from tests.browser.axe import assert_accessible
from tests.browser.conftest import log_in
from tests.integration.model import fixture_images
from tests.personas import PASSWORD
from tests.review.helpers import add_image, make_case, make_version

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CELLS = {"neutrophil": 4, "lymphocyte": 4, "monocyte": 3, "platelet": 2, "eosinophil": 2}
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


def build_case(lab):
    make_version(labels=["eosinophil", "lymphocyte", "monocyte", "neutrophil", "platelet"])
    case = make_case(lab, "AX-2026-0001")
    for label, count in CELLS.items():
        for index, path in enumerate(fixture_images(label)[:count]):
            confidence = 0.3 if index == 0 and label in ("monocyte", "neutrophil") else 0.93
            add_image(case, label, confidence=confidence, retained=False, source=path)
    # Kept for the review: the file is there although the uploader gave no consent.
    for image in case.images.all():
        add_file(image, path_for(image))
    return case


def path_for(image) -> Path:
    label = image.prediction.label
    return next(p for p in fixture_images(label) if p.name == image.original_name)


def add_file(image, source: Path) -> None:
    from django.conf import settings

    name = f"images/test/{image.public_id.hex}.jpg"
    target = Path(settings.MEDIA_ROOT) / name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(source.read_bytes())
    type(image).objects.filter(pk=image.pk).update(file=name)


def visit(page, live_server, path: str) -> None:
    page.goto(f"{live_server.url}{path}")
    page.wait_for_load_state("load")
    assert_accessible(page)


def shoot(page, name: str) -> None:
    if folder := os.environ.get("SCREENSHOT_DIR"):
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / name), full_page=name.startswith("full"))


def test_the_login_page_has_no_axe_violations(browser_page, live_server, lab_a):
    visit(browser_page, live_server, reverse("account_login"))


def test_a_pathologists_pages_have_no_axe_violations(browser_page, live_server, pathologist):
    case = build_case(pathologist.membership.lab)
    image = case.images.order_by("id").first()
    page = browser_page
    log_in(page, live_server, pathologist.email, PASSWORD)

    visit(page, live_server, reverse("classifier:case_list"))
    visit(page, live_server, reverse("classifier:case_detail", args=[case.public_id]))
    shoot(page, "full-case-page.png")
    visit(page, live_server, reverse("review:queue"))
    visit(page, live_server, reverse("review:case", args=[case.public_id]))
    visit(page, live_server, reverse("review:image", args=[case.public_id, image.public_id]))
    page.set_viewport_size(DESKTOP)
    visit(page, live_server, reverse("review:gallery", args=[case.public_id]))
    shoot(page, "gallery-desktop-1280x800.png")
    shoot(page, "full-gallery-desktop.png")
    page.focus(".cell-check")  # the gallery's one tab stop: the first cell
    page.keyboard.press("x")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("x")
    assert_accessible(page)  # with a selection shown
    shoot(page, "gallery-desktop-selected-1280x800.png")
    page.set_viewport_size(PHONE)
    page.reload()
    assert_accessible(page)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    shoot(page, "gallery-phone-390x844.png")


def test_the_lab_pages_have_no_axe_violations(browser_page, live_server, lab_admin):
    page = browser_page
    log_in(page, live_server, lab_admin.email, PASSWORD)
    visit(page, live_server, reverse("accounts:members"))
    visit(page, live_server, reverse("accounts:lab_settings"))
