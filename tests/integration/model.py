"""Which model bundle the integration and browser tests classify with.

The shipped default (ml/bundles/pbc8 through the "default" alias) when it is there, else any
other shipped bundle, else the tiny bundle of tests/tiny_bundle.py (trained once with the training
code itself, then cached), so the tests never depend on a bundle being present.
"""

from pathlib import Path

from ml.serving import BUNDLES_DIR, BundleError, resolve_bundle
from tests.tiny_bundle import FIXTURE_IMAGES

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".tif", ".tiff", ".bmp")


def fixture_labels() -> list[str]:
    return sorted(p.name for p in FIXTURE_IMAGES.iterdir() if p.is_dir())


def fixture_images(label: str) -> list[Path]:
    """The class's images, those of the PBC data set (what the default model learnt) first."""
    images = [p for p in (FIXTURE_IMAGES / label).iterdir() if p.suffix in IMAGE_SUFFIXES]
    return sorted(images, key=lambda p: (not p.name.startswith("pbc_"), p.name))


def shipped_bundle() -> Path | None:
    shipped = sorted(p.parent.name for p in BUNDLES_DIR.glob("*/bundle.json"))
    for name in ("default", *shipped):
        try:
            return Path(resolve_bundle(name))
        except BundleError:
            continue
    return None
