"""The shipped cell finder and the real fixtures the serving tests run it on."""

from pathlib import Path

import pytest

from ml.serving import load_detector
from tests.shipped import require_shipped_detector

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
BCCD_FIELD = FIXTURES / "fields" / "images" / "BloodImage_00094.jpg"
BCCD_LABELS = FIXTURES / "fields" / "labels" / "BloodImage_00094.txt"
TEXT_PAGE = FIXTURES / "nonblood" / "text_page.jpg"


@pytest.fixture(scope="module")
def detector():
    require_shipped_detector()
    return load_detector("fields")
