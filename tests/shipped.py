"""The shipped cell detector, found by its alias ("fields" in ml/bundles/ALIASES.json), for
tests that run the real finder: they skip where the bundle is absent."""

import json

import pytest

from ml.serving import BUNDLES_DIR

SHIPPED_DETECTOR_DIR = (
    BUNDLES_DIR / json.loads((BUNDLES_DIR / "ALIASES.json").read_text())["fields"]
)


def require_shipped_detector() -> None:
    if not (SHIPPED_DETECTOR_DIR / "bundle.json").is_file():
        pytest.skip(f"the shipped cell detector {SHIPPED_DETECTOR_DIR.name} is not present")
