"""Fixtures for the studies' tests (`pytest research/tests`): the fixture images, a tiny bundle
trained once per session, and a study run through its entry point.

Copied, not imported, from tests/: the product's tests and the studies' tests stay apart.
"""

import csv
import importlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
FIXTURE_IMAGES = REPO_ROOT / "tests" / "fixtures" / "images"
# Every 4th image of a class goes to test, every 2nd to val, the rest to train.
SPLIT_CYCLE = ("train", "val", "train", "test")


def fixture_labels() -> list[str]:
    return sorted(p.name for p in FIXTURE_IMAGES.iterdir() if p.is_dir())


def write_fixture_split(split_csv: Path) -> None:
    with open(split_csv, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["class", "file", "split"])
        for label in fixture_labels():
            images = sorted(p for p in (FIXTURE_IMAGES / label).iterdir() if p.suffix != ".md")
            for index, path in enumerate(images):
                writer.writerow([label, path.name, SPLIT_CYCLE[index % len(SPLIT_CYCLE)]])


def run_study(study: str, argv: list[str]) -> int:
    """Run `python -m research.<study> <argv>` through its entry point, in this process."""
    return importlib.import_module(f"research.{study}.__main__").main(argv)


# Fixtures whose tests train models: `-m "not slow"` skips them.
TRAINING_FIXTURES = ("tiny_bundle", "tiny_data")


def pytest_collection_modifyitems(items):
    for item in items:
        if any(name in getattr(item, "fixturenames", ()) for name in TRAINING_FIXTURES):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def tiny_bundle(tmp_path_factory) -> Path:
    """A MobileNet-0.25 bundle, 64 px, one head-only epoch on the fixture images (~20 s)."""
    work = tmp_path_factory.mktemp("tiny_bundle")
    write_fixture_split(work / "split.csv")
    command = [
        sys.executable, "-m", "ml", "train", "--dataset", "folder",
        "--data", str(FIXTURE_IMAGES), "--out", str(work / "tiny"), "--name", "tiny",
        "--backbone", "mobilenet_025", "--image-size", "64", "--epochs", "1",
        "--fine-tune-epochs", "0", "--batch-size", "8", "--labels", ",".join(fixture_labels()),
        "--split-csv", str(work / "split.csv"),
    ]  # fmt: skip
    environment = {**os.environ, "HEMATOVISION_CACHE": str(work / "cache")}
    result = subprocess.run(command, cwd=REPO_ROOT, env=environment, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    return work / "tiny"
