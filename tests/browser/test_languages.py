"""The main pages in each language, in a real browser at desktop and phone widths: the language
menu switches the page, and longer words or Devanagari never push the page sideways.

Set SCREENSHOT_DIR=/some/folder to keep a screenshot of every page, language and width.
"""

import os
from pathlib import Path

import pytest
from django.urls import reverse

from tests.browser.conftest import log_in
from tests.personas import PASSWORD
from tests.review.helpers import classified_case, make_version

pytestmark = pytest.mark.browser

WIDTHS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
LANGUAGES = ["es", "fr", "pt", "hi"]
# Wide tables scroll inside their own box on a phone; the page itself must not.
PAGE_OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"
# Text that sticks out of its box (a button, a badge, a table cell) without wrapping.
CLIPPED = """() => [...document.querySelectorAll("main *, header *")]
  .filter(el => el.children.length === 0 && el.textContent.trim() && el.offsetParent)
  .filter(el => !el.closest(".visually-hidden, .sr-only") && el.clientWidth > 1)
  .filter(el => el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX !== "visible")
  .map(el => el.textContent.trim().slice(0, 60))"""


def pages(case) -> dict[str, str]:
    return {
        "case-list": reverse("classifier:case_list"),
        "case": reverse("classifier:case_detail", args=[case.public_id]),
        "new-case": reverse("classifier:case_create"),
        "review-queue": reverse("review:queue"),
    }


def check_and_keep(page, name: str, language: str) -> None:
    for width_name, viewport in WIDTHS.items():
        page.set_viewport_size(viewport)
        assert page.evaluate(PAGE_OVERFLOW) <= 1, f"{name} ({language}, {width_name}) is too wide"
        assert not page.evaluate(CLIPPED), f"{name} ({language}, {width_name}) clips text"
        if folder := os.environ.get("SCREENSHOT_DIR"):
            Path(folder).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=f"{folder}/{name}-{language}-{width_name}.png", full_page=True)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_main_pages_in_each_language(
    transactional_db, live_server, browser_page, lab_a, pathologist, language
):
    make_version()
    case = classified_case(lab_a, ["neutrophil", "lymphocyte", "platelet", "monocyte", "ig"])
    page = browser_page

    page.goto(f"{live_server.url}/accounts/login/")
    page.select_option("[data-testid=language-select]", language)
    page.wait_for_selector(f"html[lang={language}]")
    check_and_keep(page, "login", language)
    log_in(page, live_server, pathologist.email, PASSWORD)
    for name, url in pages(case).items():
        page.goto(f"{live_server.url}{url}")
        assert page.locator("html").get_attribute("lang") == language
        check_and_keep(page, name, language)

    pathologist.refresh_from_db()
    assert pathologist.language == ""  # chosen before logging in: the browser keeps it
