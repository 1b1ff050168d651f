"""One tiny bundle for every test that needs a real model, trained once and kept in pytest's cache.

A MobileNet-0.25 at 64 px after one head-only epoch on the fixture images, trained by
`python -m ml train` in a subprocess (TensorFlow stays out of the portal's test process). The
cached copy is keyed by a hash of the fixture images and of the code that trains and writes a
bundle, so a change to either trains it again; otherwise later runs reuse it.
"""

import csv
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
FIXTURE_IMAGES = REPO_ROOT / "tests" / "fixtures" / "images"
TRAINING_CODE = ("ml/serving", "ml/training", "ml/cli/train.py", "tests/tiny_bundle.py")
IMAGE_SIZE = 64  # MobileNet's feature map is then 2 x 2, enough for Grad-CAM to vary
# Every 4th image of a class goes to test, every 2nd to val, the rest to train.
SPLIT_CYCLE = ("train", "val", "train", "test")
IMAGE_SUFFIXES = (".jpg", ".jpeg")


def fixture_labels() -> list[str]:
    return sorted(p.name for p in FIXTURE_IMAGES.iterdir() if p.is_dir())


def fixture_split_rows() -> list[dict]:
    """(class, file, split) of every fixture image, cycling through SPLIT_CYCLE per class."""
    rows = []
    for label in fixture_labels():
        images = sorted(p for p in (FIXTURE_IMAGES / label).iterdir() if p.suffix in IMAGE_SUFFIXES)
        for index, path in enumerate(images):
            rows.append({"class": label, "file": path.name, "split": SPLIT_CYCLE[index % 4]})
    return rows


def write_fixture_split(split_csv: Path) -> None:
    with open(split_csv, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=("class", "file", "split"))
        writer.writeheader()
        writer.writerows(fixture_split_rows())


def source_hash() -> str:
    """sha256 over the fixture images and the training code, file names included."""
    digest = hashlib.sha256()
    files = sorted(FIXTURE_IMAGES.rglob("*"))
    for root in TRAINING_CODE:
        path = REPO_ROOT / root
        files += sorted(path.rglob("*.py")) if path.is_dir() else [path]
    for path in files:
        if path.is_file():
            digest.update(str(path.relative_to(REPO_ROOT)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def train_tiny_bundle(out: Path, split_csv: Path) -> Path:
    """Train the tiny bundle into `out` on the split `split_csv` (written here), which must stay
    where it is: the bundle's config.json names it, and rescoring reads it (tta, export, adapt).
    `out`'s parent also gets the decoded-image cache."""
    write_fixture_split(split_csv)
    command = [
        sys.executable, "-m", "ml", "train", "--dataset", "folder",
        "--data", str(FIXTURE_IMAGES), "--out", str(out), "--name", "tiny",
        "--backbone", "mobilenet_025", "--image-size", str(IMAGE_SIZE), "--epochs", "1",
        "--fine-tune-epochs", "0", "--batch-size", "8", "--labels", ",".join(fixture_labels()),
        "--split-csv", str(split_csv),
    ]  # fmt: skip
    environment = {**os.environ, "HEMATOVISION_CACHE": str(out.parent / "cache")}
    result = subprocess.run(
        command, cwd=REPO_ROOT, env=environment, capture_output=True, text=True, timeout=900
    )
    if result.returncode != 0:
        raise RuntimeError(f"training the tiny bundle failed:\n{result.stderr[-3000:]}")
    return out


def cached_tiny_bundle(cache_root: Path) -> Path:
    """The tiny bundle for the current fixtures and code, trained into `cache_root` if missing.

    Trained in a temporary folder and renamed into place, so an interrupted run leaves nothing
    that a later run would take for a finished bundle; the split file stays beside it.
    """
    bundle = Path(cache_root) / source_hash() / "tiny"
    if (bundle / "bundle.json").is_file():
        return bundle
    shutil.rmtree(cache_root, ignore_errors=True)  # bundles of older code or fixtures
    bundle.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(dir=bundle.parent, prefix=".training-"))
    try:
        trained = train_tiny_bundle(work / "tiny", bundle.parent / "split.csv")
        shutil.rmtree(bundle, ignore_errors=True)
        trained.rename(bundle)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return bundle
