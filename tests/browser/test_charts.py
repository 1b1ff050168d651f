"""The SVG charts in a real browser, in Hindi: they load through <img> under the CSP, and the
browser lays their Devanagari text out itself; their pages pass axe and fit a phone.
Set SCREENSHOT_DIR=/some/folder to keep a screenshot of each page at both widths."""

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from review import services
from tests.browser.axe import assert_accessible
from tests.browser.conftest import log_in
from tests.browser.layout import check_widths
from tests.personas import PASSWORD
from tests.review.helpers import classified_case, make_version

pytestmark = pytest.mark.browser

CHARTS = """() => [...document.querySelectorAll("img.chart")]
  .map(img => ({src: img.getAttribute("src"), alt: img.alt, width: img.naturalWidth}))"""
# The rendered width of the SVG text that reads exactly `text` (0 if there is none).
TEXT_WIDTH = """text => [...document.querySelectorAll("text")]
  .filter(node => node.textContent === text)
  .map(node => node.getComputedTextLength())[0] || 0"""


def test_the_charts_load_and_keep_their_hindi_text(
    transactional_db, live_server, browser_page, lab_a, pathologist, lab_admin
):
    make_version()
    case = classified_case(lab_a, ["neutrophil", "lymphocyte", "monocyte"])
    for image in case.images.all():
        services.review_image(image, pathologist, "neutrophil")
    with translation.override("hi"):
        title, x_label = gettext("Model vs reviewer"), gettext("Top-1 confidence")
    page = browser_page
    refused = []  # chromium reports what the CSP blocks on the console
    page.on(
        "console",
        lambda message: "Content Security Policy" in message.text and refused.append(message.text),
    )
    page.goto(f"{live_server.url}/accounts/login/")
    page.select_option("[data-testid=language-select]", "hi")
    page.wait_for_selector("html[lang=hi]")
    log_in(page, live_server, lab_admin.email, PASSWORD)

    pages = {"agreement": (reverse("review:agreement"), 2)}
    pages["domain-check"] = (reverse("classifier:domain_check"), 1)
    for name, (url, count) in pages.items():
        page.goto(f"{live_server.url}{url}")
        page.wait_for_load_state("networkidle")
        charts = page.evaluate(CHARTS)
        assert len(charts) == count
        assert all(chart["width"] > 0 and chart["alt"] for chart in charts), charts
        assert_accessible(page)
        check_widths(page, f"{name}-hi")
    assert refused == []

    for url, text in (
        (reverse("review:agreement_confusion"), title),
        (reverse("classifier:domain_check_chart"), x_label),
    ):
        page.goto(f"{live_server.url}{url}")
        assert page.evaluate(TEXT_WIDTH, text) > 0, text
