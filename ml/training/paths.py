"""Where training finds its data, the committed splits and its decoded-image cache.

Shipped bundles are serving's business (ml/serving/bundle.py: BUNDLES_DIR).

The data directory is $HEMATOVISION_DATA, else ../shared/data next to the repository when it exists,
else data/ inside the repository. Nothing here touches the network.
"""

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
ML_DIR = REPO_ROOT / "ml"
SPLITS_DIR = ML_DIR / "splits"


def default_data_dir() -> Path:
    from_env = os.environ.get("HEMATOVISION_DATA")
    if from_env:
        return Path(from_env)
    shared = REPO_ROOT.parent / "shared" / "data"
    if shared.is_dir():
        return shared
    return REPO_ROOT / "data"


def pbc_images_dir(data_dir: Path) -> Path:
    return Path(data_dir) / "pbc" / "images"


def pbc_manifest(data_dir: Path) -> Path:
    return Path(data_dir) / "pbc" / "manifest.csv"


def kaggle_images_dir(data_dir: Path) -> Path:
    return Path(data_dir) / "blood-cells-kaggle" / "dataset2-master" / "images"


def weights_dir(data_dir: Path | None = None) -> Path:
    return Path(data_dir or default_data_dir()) / "weights"


def cache_dir() -> Path:
    """Decoded-image cache ($HEMATOVISION_CACHE, default ~/.cache/hematovision)."""
    path = Path(os.environ.get("HEMATOVISION_CACHE", Path.home() / ".cache" / "hematovision"))
    path.mkdir(parents=True, exist_ok=True)
    return path
