"""Which model bundle the integration and browser tests classify with.

The shipped default (ml/bundles/pbc8 through the "default" alias) when it is there, else any
other shipped bundle, else a tiny bundle trained once on the fixture images with the training
code itself (tens of seconds), so the tests never depend on a bundle being present.
"""

from pathlib import Path

from ml.serving.bundle import BundleError, resolve_bundle
from ml.training import paths

FIXTURE_IMAGES = paths.REPO_ROOT / "tests" / "fixtures" / "images"
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".tif", ".tiff", ".bmp")


def fixture_labels() -> list[str]:
    return sorted(p.name for p in FIXTURE_IMAGES.iterdir() if p.is_dir())


def fixture_images(label: str) -> list[Path]:
    """The class's images, those of the PBC data set (what the default model learnt) first."""
    images = [p for p in (FIXTURE_IMAGES / label).iterdir() if p.suffix in IMAGE_SUFFIXES]
    return sorted(images, key=lambda p: (not p.name.startswith("pbc_"), p.name))


def shipped_bundle() -> Path | None:
    shipped = sorted(p.parent.name for p in paths.BUNDLES_DIR.glob("*/bundle.json"))
    for name in ("default", *shipped):
        try:
            return Path(resolve_bundle(name))
        except BundleError:
            continue
    return None


def train_tiny_bundle(work_dir: Path) -> Path:
    """A MobileNet-0.25 bundle at 64 px after one head-only epoch on the fixture images."""
    from ml.training.data import list_images, write_split_csv
    from ml.training.train import train
    from ml.training.train_data import TrainConfig

    cycle = ("train", "val", "train", "test")
    rows = [
        {"class": label, "file": path.name, "split": cycle[index % len(cycle)]}
        for label in fixture_labels()
        for index, path in enumerate(list_images(FIXTURE_IMAGES / label))
    ]
    write_split_csv(work_dir / "split.csv", rows, ("class", "file", "split"))
    config = TrainConfig(
        dataset="folder",
        backbone="mobilenet_025",
        out=str(work_dir / "tiny"),
        data=str(FIXTURE_IMAGES),
        name="tiny",
        image_size=64,
        epochs=1,
        fine_tune_epochs=0,
        batch_size=8,
        labels=fixture_labels(),
        split_csv=str(work_dir / "split.csv"),
    )
    return Path(train(config))
