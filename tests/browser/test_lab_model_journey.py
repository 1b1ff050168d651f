"""A lab admin adapts the lab's model in a real browser, with a real `celery worker -Q train`
running `python -m ml adapt` on the tiny bundle: Adapt, the live progress, the report, Use for
this lab, Go back to the previous version. Another lab's admin sees none of it and cannot start
one for this lab.

With SCREENSHOT_DIR set, the page with its report is kept at 1280 and 390 px, in English and
Spanish (adapt-<language>-<width>.png).
"""

import pytest
from django.urls import reverse

from accounts.models import Membership
from classifier import registry
from classifier.models import ModelVersion
from review.models import AdaptationJob
from tests.browser.conftest import log_in, log_out
from tests.browser.layout import check_widths
from tests.personas import LAB_B, PASSWORD, make_member
from tests.review.adaptation_helpers import reviewed_cells

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.slow]

FINISH_MS = 600_000  # the whole adaptation, on a loaded 2-core machine
# A POST from the page with its CSRF token (the header's language form holds one): the status.
POST_WITH_TOKEN = """async (url) => {
  const token = document.querySelector("[name=csrfmiddlewaretoken]").value;
  const response = await fetch(url, {method: "POST", redirect: "manual",
    headers: {"X-CSRFToken": token}, credentials: "same-origin"});
  return response.type === "opaqueredirect" ? 302 : response.status;
}"""


@pytest.fixture
def accepting_worker_env(monkeypatch):
    """The tiny bundle's test split has one image per class: a point is not a useful bound, so
    the train worker (started after this, with this environment) accepts any drop."""
    monkeypatch.setenv("ADAPTATION_MAX_TEST_DROP", "1")


def keep(page, language: str) -> None:
    check_widths(page, f"adapt-{language}")


def test_a_lab_admin_adapts_uses_and_rolls_back_the_labs_model(
    accepting_worker_env,
    live_train_worker,
    live_server,
    browser_page,
    tiny_bundle,
    lab_a,
    lab_b,
    lab_admin,
    pathologist,
    settings,
):
    settings.ADAPTATION_MIN_CELLS_PER_CLASS = 2
    settings.ADAPTATION_MAX_TEST_DROP = 1.0
    parent = registry.register_bundle(None, str(tiny_bundle), activate=True)
    reviewed_cells(lab_a, pathologist, {"neutrophil": 3, "lymphocyte": 3})
    page = browser_page
    url = f"{live_server.url}{reverse('review:lab_model')}"

    log_in(page, live_server, lab_admin.email, PASSWORD)
    page.goto(url)
    page.click("[data-testid=adapt-button]")
    # The page polls the job: its stage shows while it runs, then the page reloads with the report.
    page.wait_for_selector(".adaptation-progress [data-field=detail]:not(:empty)")
    page.wait_for_selector("[data-testid=adaptation-report]", timeout=FINISH_MS)
    job = AdaptationJob.objects.get()
    assert job.status == AdaptationJob.Status.DONE, f"{job.error}\n{live_train_worker.log_tail()}"
    assert "Accuracy on this lab" in page.inner_text("[data-testid=adaptation-report]")
    keep(page, "en")

    # Each action posts a form and loads the page again: wait for that page, not for an
    # element the page being left may still show.
    with page.expect_navigation():
        page.click("[data-testid=activate-button]")
    page.wait_for_selector("[data-testid=rollback-button]")
    lab_a.refresh_from_db()
    assert ModelVersion.for_lab(lab_a) == job.result
    assert job.result.name in page.inner_text("[data-testid=lab-model-version]")

    with page.expect_navigation():
        page.click("[data-testid=rollback-button]")
    page.wait_for_selector("[data-testid=activate-button]")
    lab_a.refresh_from_db()
    assert ModelVersion.for_lab(lab_a) == parent

    with page.expect_navigation():
        page.select_option("[data-testid=language-select]", "es")
    page.wait_for_selector("html[lang=es]")
    page.goto(url)
    keep(page, "es")
    log_out(page)

    other_admin = make_member("admin@lab-b.example.org", Membership.Role.LAB_ADMIN, LAB_B)
    log_in(page, live_server, other_admin.email, PASSWORD)
    page.goto(url)
    assert page.locator("[data-testid=adaptation-job]").count() == 0
    assert page.locator("[data-testid=adapt-button][disabled]").count() == 1
    status_url = reverse("review:adaptation_status", args=[job.public_id])
    assert page.goto(f"{live_server.url}{status_url}").status == 404
    page.goto(url)
    activate_url = reverse("review:adaptation_activate", args=[job.public_id])
    assert page.evaluate(POST_WITH_TOKEN, activate_url) == 404
    assert page.evaluate(POST_WITH_TOKEN, reverse("review:adaptation_start")) == 302
    assert AdaptationJob.objects.count() == 1  # lab B has too few cells; lab A's job untouched
    job.refresh_from_db()
    assert job.decision == AdaptationJob.Decision.ROLLED_BACK
