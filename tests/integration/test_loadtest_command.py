"""`manage.py loadtest` against a live server and a real worker: every upload gets its result,
and the figures are printed."""

import json
from io import StringIO

import pytest
from django.core.management import call_command

from tests.tiny_bundle import FIXTURE_IMAGES

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def plain_live_server():
    """A live server on plain HTTP: SecurityMiddleware reads SECURE_SSL_REDIRECT once, when the
    server thread builds its handler (as tests/browser/conftest.py explains)."""
    from django.test.utils import override_settings
    from pytest_django.live_server_helper import LiveServer

    with override_settings(SECURE_SSL_REDIRECT=False, SECURE_HSTS_SECONDS=0):
        server = LiveServer("localhost")
    yield server
    server.stop()


def test_it_drives_the_stack_and_reports_throughput_and_latency(
    plain_live_server, live_celery_worker, active_model_version, technologist
):
    out = StringIO()
    call_command(
        "loadtest",
        url=plain_live_server.url,
        email=technologist.email,
        clients=2,
        images=4,
        image_dir=FIXTURE_IMAGES,
        timeout=120,
        json=True,
        stdout=out,
    )
    report = json.loads(out.getvalue())
    assert report["errors"] == []
    assert (report["images"], report["finished"], report["failed"]) == (4, 4, 0)
    assert report["throughput_images_per_s"] > 0
    assert 0 < report["upload_to_result_s"]["p50"] <= report["upload_to_result_s"]["p99"]
    assert not technologist.api_tokens.exists()  # the temporary token is gone
