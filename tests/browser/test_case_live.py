"""The case page while images are classified: the differential counts what has arrived, says
how many are still pending, and its rows keep the model's label order; the white cells counted
against the lab's target follow. The worker's part is played by the test, which stores the
predictions in the database while the page polls."""

import pytest
from django.urls import reverse

from classifier.models import CellImage
from tests.browser.conftest import log_in
from tests.factories import CellImageFactory, PredictionFactory
from tests.personas import PASSWORD
from tests.review.helpers import add_field, add_image, make_case, make_version

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def row_labels(page) -> list[str]:
    return page.eval_on_selector_all(
        "[data-testid=differential] tbody tr", "rows => rows.map(row => row.dataset.label)"
    )


def test_the_differential_updates_in_place_and_says_what_is_pending(
    browser_page, live_server, technologist
):
    version = make_version()
    case = make_case(technologist.membership.lab, "LIVE-1", status="processing")
    add_image(case, "platelet")
    queued = [
        CellImageFactory(case=case, status=CellImage.Status.QUEUED, original_name=f"q{i}.jpg")
        for i in range(2)
    ]
    page = browser_page
    log_in(page, live_server, technologist.email, PASSWORD)
    page.goto(f"{live_server.url}{reverse('classifier:case_detail', args=[case.public_id])}")
    progress = page.locator("[data-testid=differential-progress]")
    assert progress.inner_text() == "1 of 3 classified, 2 pending"
    order = row_labels(page)
    assert order == [*version.labels, "other"]

    for image in queued:  # as the worker would, one after the other
        PredictionFactory(image=image, label="neutrophil", confidence=0.9, model_version=version)
        CellImage.objects.filter(pk=image.pk).update(status=CellImage.Status.DONE)
    page.wait_for_function(
        """() => document.querySelector("[data-testid=differential-progress]")
                   .textContent.trim() === "3 of 3 classified" """,
        timeout=15_000,
    )

    neutrophils = page.locator("[data-testid=differential-neutrophil] .count")
    assert neutrophils.inner_text() == "2"
    assert row_labels(page) == order  # neutrophils now outnumber platelets; no row moved
    # The count over fields follows the same poll: 2 white cells, both neutrophils.
    counted = page.locator("[data-testid=white-cells-counted]")
    assert counted.inner_text() == "2 of 100 white cells counted"
    assert page.locator("[data-testid=count-more]").inner_text() == (
        "Count 98 more: upload more fields."
    )
    interval = page.locator("[data-testid=differential-neutrophil] .interval")
    assert interval.inner_text().replace("\xa0", " ") == "34.2–100.0 %"  # Wilson, 2 of 2


def test_a_case_with_fields_shows_the_count_and_fits_a_phone(
    browser_page, live_server, technologist
):
    make_version()
    case = make_case(technologist.membership.lab, "FIELDS-1")
    add_field(case, ["neutrophil", "lymphocyte"], red_cells=200, platelets=14)
    page = browser_page
    log_in(page, live_server, technologist.email, PASSWORD)
    url = f"{live_server.url}{reverse('classifier:case_detail', args=[case.public_id])}"

    page.goto(url)

    assert page.locator("[data-testid=white-cells-counted]").inner_text() == (
        "2 of 100 white cells counted"
    )
    assert page.locator("[data-testid=white-cells-bar]").get_attribute("value") == "2"
    assert page.locator("[data-testid=platelet-estimate]").inner_text() == "210,000 /µL"
    assert page.locator("[data-testid=rbc-per-field]").inner_text() == "200.0"
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(url)
    # The four columns of the differential fit a phone: neither the page nor the table scrolls.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert page.eval_on_selector(
        "[data-testid=differential]", "table => table.scrollWidth <= table.clientWidth"
    )
