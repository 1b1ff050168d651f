"""The main pages in each language, in a real browser at desktop and phone widths: the language
menu switches the page, and longer words or Devanagari never push the page sideways.

Set SCREENSHOT_DIR=/some/folder to keep a screenshot of every page, language and width.
"""

import pytest
from django.urls import reverse

from tests.browser.conftest import log_in
from tests.browser.layout import check_widths
from tests.personas import PASSWORD
from tests.review.helpers import classified_case, make_version

pytestmark = pytest.mark.browser

LANGUAGES = ["es", "fr", "pt", "hi"]
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
    def no_clipped_text(page, width: str) -> None:
        assert not page.evaluate(CLIPPED), f"{name} ({language}, {width} px) clips text"

    check_widths(page, f"{name}-{language}", also=no_clipped_text)


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
