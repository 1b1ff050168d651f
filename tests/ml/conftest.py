"""Fixtures for ml/ tests: a tiny bundle trained once per session on the fixture images.

The bundle goes through the training helper's own code path (ml.train.train on an image-folder
tree), so serving, evaluation and explanation are tested against what training really writes,
never against the shipped bundles.
"""

import shutil
from pathlib import Path

import pytest

from ml.training import paths

FIXTURE_IMAGES = paths.REPO_ROOT / "tests" / "fixtures" / "images"
SHIPPED_PBC8 = paths.BUNDLES_DIR / "pbc8"
TINY_IMAGE_SIZE = 64  # MobileNet's feature map is then 2 x 2, enough for Grad-CAM to vary
# Every 4th image of a class goes to test, every 2nd to val, the rest to train.
SPLIT_CYCLE = ("train", "val", "train", "test")


def fixture_labels() -> list[str]:
    return sorted(p.name for p in FIXTURE_IMAGES.iterdir() if p.is_dir())


def _write_fixture_split(split_csv: Path) -> None:
    from ml.training.data import list_images, write_split_csv

    rows = [
        {"class": label, "file": path.name, "split": SPLIT_CYCLE[index % len(SPLIT_CYCLE)]}
        for label in fixture_labels()
        for index, path in enumerate(list_images(FIXTURE_IMAGES / label))
    ]
    write_split_csv(split_csv, rows, ("class", "file", "split"))


def pytest_collection_modifyitems(items):
    # Tests that need the tiny bundle pay for one training run: `-m "not slow"` skips them.
    for item in items:
        if "tiny_bundle" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def tiny_bundle(tmp_path_factory) -> Path:
    """Bundle directory of a MobileNet-0.25 model, 64 px, one head-only epoch (~20 s)."""
    from ml.training.train import train
    from ml.training.train_data import TrainConfig

    work = tmp_path_factory.mktemp("tiny_bundle")
    split_csv = work / "split.csv"
    _write_fixture_split(split_csv)
    config = TrainConfig(
        dataset="folder",
        backbone="mobilenet_025",
        out=str(work / "tiny"),
        data=str(FIXTURE_IMAGES),
        name="tiny",
        image_size=TINY_IMAGE_SIZE,
        epochs=1,
        fine_tune_epochs=0,
        batch_size=8,
        labels=fixture_labels(),
        split_csv=str(split_csv),
    )
    with pytest.MonkeyPatch.context() as patch:
        # Keep the decoded-image cache out of the user's home directory.
        patch.setenv("HEMATOVISION_CACHE", str(work / "cache"))
        return train(config)


@pytest.fixture(scope="session")
def tiny_classifier(tiny_bundle):
    from ml.serving.classifier import load_classifier

    return load_classifier(tiny_bundle)


@pytest.fixture
def shipped_pbc8() -> Path:
    if not (SHIPPED_PBC8 / "bundle.json").is_file():
        pytest.skip("the shipped ml/bundles/pbc8 bundle is not present")
    return SHIPPED_PBC8


def run_command(module, argv: list[str]) -> int:
    """Run the command of `module` (ml.<command>) through `python -m ml`'s entry point."""
    from ml.__main__ import main

    return main([module.__name__.rsplit(".", 1)[-1], *argv])


KAGGLE_CLASSES = ["eosinophil", "lymphocyte", "monocyte", "neutrophil"]


def train_on_fixtures(tmp_path, monkeypatch, options: list[str], labels=KAGGLE_CLASSES) -> int:
    """`python -m ml train` at 32 px on a copy of the fixture images of `labels`, plus options."""
    tree = tmp_path / "tree"
    for label in labels:
        shutil.copytree(FIXTURE_IMAGES / label, tree / label)
    monkeypatch.setenv("HEMATOVISION_CACHE", str(tmp_path / "cache"))
    from ml.__main__ import main

    return main(
        ["train", "--dataset", "folder", "--data", str(tree), "--labels", ",".join(labels),
         "--backbone", "mobilenet_025", "--image-size", "32", "--batch-size", "4", *options]
    )  # fmt: skip
