"""Fixtures for ml/ tests: the fixture images, the shipped pbc8 bundle, and commands run through
`python -m ml`'s entry point. The tiny trained bundle (`tiny_bundle`) is tests/conftest.py's."""

import shutil
from pathlib import Path

import pytest

from ml.serving import BUNDLES_DIR
from tests.tiny_bundle import FIXTURE_IMAGES, IMAGE_SIZE, fixture_labels, write_fixture_split

__all__ = ["FIXTURE_IMAGES", "IMAGE_SIZE", "fixture_labels", "write_fixture_split"]

SHIPPED_PBC8 = BUNDLES_DIR / "pbc8"
KAGGLE_CLASSES = ["eosinophil", "lymphocyte", "monocyte", "neutrophil"]


@pytest.fixture(scope="session")
def tiny_classifier(tiny_bundle):
    from ml.serving import load_classifier

    return load_classifier(tiny_bundle)


@pytest.fixture
def shipped_pbc8() -> Path:
    if not (SHIPPED_PBC8 / "bundle.json").is_file():
        pytest.skip("the shipped ml/bundles/pbc8 bundle is not present")
    return SHIPPED_PBC8


def run_command(command: str, argv: list[str]) -> int:
    """Run `python -m ml <command> <argv>` through its entry point, in this process."""
    from ml.__main__ import main

    return main([command, *argv])


def train_on_fixtures(tmp_path, monkeypatch, options: list[str], labels=KAGGLE_CLASSES) -> int:
    """`python -m ml train` at 32 px on a copy of the fixture images of `labels`, plus options."""
    tree = tmp_path / "tree"
    for label in labels:
        shutil.copytree(FIXTURE_IMAGES / label, tree / label)
    monkeypatch.setenv("HEMATOVISION_CACHE", str(tmp_path / "cache"))
    return run_command(
        "train",
        ["--dataset", "folder", "--data", str(tree), "--labels", ",".join(labels),
         "--backbone", "mobilenet_025", "--image-size", "32", "--batch-size", "4", *options],
    )  # fmt: skip
