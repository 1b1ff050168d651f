"""The images behind the finder's stain check: photographs, drawings and scans that are not
blood smears (scikit-image's sample images and matplotlib's), and, per folder of images, the
green margins of the cells the finder counts (ml.serving.stain) with where the route sends them."""

import random
import subprocess
import tempfile
import zipfile
from pathlib import Path

import numpy as np
from PIL import Image

from ml.serving import load_detector, route_image
from ml.serving.stain import MIN_GREEN_MARGIN, STAINED_QUANTILE, green_margins

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".gif"}
SAMPLE_SEED = 0


def write_nonblood(out: Path, wheel: Path | None = None) -> list[Path]:
    """Every sample image of scikit-image (from its wheel) and of matplotlib, as RGB PNGs."""
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        if wheel is None:
            subprocess.run(
                ["pip", "download", "scikit-image", "--no-deps", "-q", "-d", scratch], check=True
            )
            [wheel] = Path(scratch).glob("scikit_image-*.whl")
        sources = []
        with zipfile.ZipFile(wheel) as archive:
            for name in archive.namelist():
                if name.startswith("skimage/data/") and Path(name).suffix in IMAGE_SUFFIXES:
                    sources.append(Path(archive.extract(name, scratch)))
        try:
            import matplotlib

            sample_data = Path(matplotlib.get_data_path()) / "sample_data"
            sources += sorted(p for p in sample_data.glob("*") if p.suffix in IMAGE_SUFFIXES)
        except ImportError:
            pass
        written = []
        for source in sorted(sources):
            with Image.open(source) as image:
                target = out / f"{source.stem}.png"
                image.convert("RGB").save(target)
                written.append(target)
    return written


def image_files(folder: Path, limit: int) -> list[Path]:
    files = sorted(p for p in folder.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)
    random.Random(SAMPLE_SEED).shuffle(files)
    return files[:limit]


def margins_by_folder(folders: list[Path], limit: int, detector_name: str = "fields") -> dict:
    """Per folder: how many images, where the route sends them, and the STAINED_QUANTILE
    percentile of their counted cells' green margins (min, 1st percentile, median), with the
    images under MIN_GREEN_MARGIN named."""
    detector = load_detector(detector_name)
    report = {}
    for folder in folders:
        kinds, values, under = {"cell": 0, "field": 0, "none": 0}, [], []
        for path in image_files(folder, limit):
            with Image.open(path) as opened:
                image = opened.convert("RGB")
            route = route_image(image, detector)
            kinds[route.kind] += 1
            cells = detector.counted(detector.find_cells(image), image.size)
            margins = green_margins(image, cells)
            if len(margins):
                value = float(np.percentile(margins, STAINED_QUANTILE))
                values.append(value)
                if value <= MIN_GREEN_MARGIN:
                    under.append(path.name)
        report[str(folder)] = {
            "images": sum(kinds.values()),
            "kinds": kinds,
            f"margin_p{STAINED_QUANTILE}": {
                "min": round(min(values), 3) if values else None,
                "p1": round(float(np.percentile(values, 1)), 3) if values else None,
                "median": round(float(np.median(values)), 3) if values else None,
            },
            "under_min_green_margin": len(under),
            "under_examples": under[:10],
        }
    return report
