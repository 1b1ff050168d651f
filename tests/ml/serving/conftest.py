"""The shipped cell finder and the real fixtures the serving tests run it on."""

from pathlib import Path

import pytest

from ml.serving import BUNDLES_DIR, load_detector

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
BCCD_FIELD = FIXTURES / "fields" / "images" / "BloodImage_00094.jpg"
BCCD_LABELS = FIXTURES / "fields" / "labels" / "BloodImage_00094.txt"
TEXT_PAGE = FIXTURES / "nonblood" / "text_page.jpg"


@pytest.fixture(scope="module")
def detector():
    if not (BUNDLES_DIR / "fields2" / "bundle.json").is_file():
        pytest.skip("the shipped ml/bundles/fields2 bundle is not present")
    return load_detector("fields")
