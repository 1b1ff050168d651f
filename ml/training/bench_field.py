"""Latency of a whole smear field: find its cells, then classify its white cells.

What a worker pays for a 640x480 field upload: the file decoded once, the cell finder on the
letterboxed field (ml.serving.find_cells), and every white cell it found cropped from the full
image and classified in one batch (ml.serving.classify_cells). The fields come from the BCCD
data set (640x480 JPEGs) when it is there.
"""

import io
import time
from pathlib import Path

import numpy as np
from PIL import Image

from ml.serving import Classifier, Detector, classify_cells
from ml.training import paths

WARMUP_RUNS = 3


def default_field_dir() -> Path | None:
    folder = paths.default_data_dir() / "bccd" / "BCCD" / "JPEGImages"
    return folder if folder.is_dir() else None


def field_ms(
    detector: Detector, classifier: Classifier, fields: list[Path], runs: int
) -> dict[str, float]:
    """p50 and p95 milliseconds per field (decode + find + classify) and the mean number of
    white cells classified per field."""
    fill_share = float(detector.metadata["wbc_crop"]["fill_share"])
    blobs = [path.read_bytes() for path in fields]

    def one(blob: bytes) -> int:
        image = Image.open(io.BytesIO(blob))
        image.load()
        cells = detector.find_cells(image)
        classified = classify_cells(image, cells, classifier, fill_share)
        return sum(cell.label is not None for cell in classified)

    for blob in blobs[:WARMUP_RUNS]:
        one(blob)
    timings, white_cells = [], []
    for run_index in range(runs):
        start = time.perf_counter()
        white_cells.append(one(blobs[run_index % len(blobs)]))
        timings.append((time.perf_counter() - start) * 1000)
    size = Image.open(fields[0]).size
    return {
        "field_ms_p50": round(float(np.percentile(timings, 50)), 2),
        "field_ms_p95": round(float(np.percentile(timings, 95)), 2),
        "field_white_cells_mean": round(float(np.mean(white_cells)), 2),
        "field_size": f"{size[0]}x{size[1]}",
    }
