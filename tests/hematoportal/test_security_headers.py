"""Content-Security-Policy with no inline script or style, and pages with patient data never
stored by a browser or proxy."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import ApiToken
from tests.review.helpers import classified_case, make_version

TEMPLATE_DIRS = [Path(settings.BASE_DIR) / "templates"]
# Rendered to PDF by WeasyPrint, never served to a browser.
NOT_SERVED = {"reports/report_pdf.html"}
INLINE = re.compile(r"<script(?![^>]*\bsrc=)|<style|\son[a-z]+\s*=|\sstyle\s*=", re.IGNORECASE)
# json_script output is data, not script: browsers do not run it and the policy allows it.
SCRIPT_WITHOUT_SRC = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>")


@pytest.fixture
def case(lab_a):
    make_version()
    return classified_case(lab_a, ["neutrophil", "lymphocyte"])


def test_the_policy_forbids_inline_script_and_style(client, db):
    policy = client.get(reverse("account_login"))["Content-Security-Policy"]

    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"


@pytest.mark.parametrize(
    "template",
    sorted(
        str(path.relative_to(folder))
        for folder in TEMPLATE_DIRS
        for path in folder.rglob("*.html")
        if str(path.relative_to(folder)) not in NOT_SERVED
    ),
)
def test_no_template_holds_inline_script_or_style(template):
    text = (TEMPLATE_DIRS[0] / template).read_text()

    assert not INLINE.search(text), INLINE.search(text).group(0)


def test_the_case_and_review_pages_render_without_inline_code(client, pathologist, case):
    image = case.images.first()
    client.force_login(pathologist)

    for url in (
        reverse("classifier:case_detail", args=[case.public_id]),
        reverse("review:case", args=[case.public_id]),
        reverse("review:image", args=[case.public_id, image.public_id]),
    ):
        content = client.get(url).content.decode()
        assert not SCRIPT_WITHOUT_SRC.search(content), url
        assert ' style="' not in content, url


def test_patient_pages_are_never_stored(client, pathologist, case):
    client.force_login(pathologist)
    image = case.images.first()

    for url in (
        reverse("classifier:case_list"),
        reverse("classifier:case_detail", args=[case.public_id]),
        reverse("review:queue"),
        reverse("review:case", args=[case.public_id]),
        reverse("review:image", args=[case.public_id, image.public_id]),
        reverse("review:history", args=[case.public_id]),
        reverse("reports:lab_export"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "no-store" in response["Cache-Control"], url


def test_api_answers_are_never_stored(pathologist, case):
    _token, secret = ApiToken.issue(pathologist, "script")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")

    for url in (
        "/api/v1/cases/",
        f"/api/v1/cases/{case.public_id}/",
        f"/api/v1/cases/{case.public_id}/differential",
        f"/api/v1/cases/{case.public_id}/report.csv",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "no-store" in response["Cache-Control"], url
    assert "no-store" in APIClient().get("/api/v1/cases/")["Cache-Control"]


def test_the_api_docs_and_schema_need_a_log_in(client, db):
    docs = client.get("/api/docs/")
    schema = client.get("/api/schema/")

    assert docs.status_code == 302 and docs.url.startswith("/accounts/login/")
    assert schema.status_code in (401, 403)


def test_the_api_docs_load_local_scripts_only(client, technologist):
    client.force_login(technologist)

    page = client.get("/api/docs/").content.decode()
    script = client.get("/api/docs/?script")

    sources = re.findall(r'<(?:script|link)[^>]*(?:src|href)="([^"]+)"', page)
    assert sources and all(source.startswith("/") for source in sources), sources
    assert not SCRIPT_WITHOUT_SRC.search(page) and "<style" not in page
    assert script.status_code == 200
    assert client.get("/api/schema/").status_code == 200
