"""Latency of an upload through the cell finder, as a worker pays it: the file decoded once,
the route (ml.serving.route_image: the cell finder, then the decision cell / field / none), and
what the route gives the classifier classified in one batch (the whole image for a single cell,
every white cell's crop for a field).

Timed on smear fields (BCCD's 640x480 JPEGs when the data set is there: `field_*` figures) and
on single-cell images (`routed_single_image_*`), beside the classifier alone (bench.py).
"""

import io
import time
from pathlib import Path

import numpy as np
from PIL import Image

from ml.serving import Classifier, Detector, route_image
from ml.training import paths

WARMUP_RUNS = 3


def default_field_dir() -> Path | None:
    folder = paths.default_data_dir() / "bccd" / "BCCD" / "JPEGImages"
    return folder if folder.is_dir() else None


def routed_ms(
    detector: Detector, classifier: Classifier, paths: list[Path], runs: int, prefix: str
) -> dict[str, float]:
    """p50 and p95 milliseconds per upload (decode + route + classify), keyed `<prefix>_ms_p50`
    and `_p95`, and the mean number of pictures classified per upload."""
    blobs = [path.read_bytes() for path in paths]

    def one(blob: bytes) -> int:
        image = Image.open(io.BytesIO(blob))
        image.load()
        route = route_image(image.convert("RGB"), detector)
        if route.inputs:
            classifier.predict(list(route.inputs))
        return len(route.inputs)

    for blob in blobs[:WARMUP_RUNS]:
        one(blob)
    timings, classified = [], []
    for run_index in range(runs):
        start = time.perf_counter()
        classified.append(one(blobs[run_index % len(blobs)]))
        timings.append((time.perf_counter() - start) * 1000)
    return {
        f"{prefix}_ms_p50": round(float(np.percentile(timings, 50)), 2),
        f"{prefix}_ms_p95": round(float(np.percentile(timings, 95)), 2),
        f"{prefix}_classified_mean": round(float(np.mean(classified)), 2),
    }


def field_ms(
    detector: Detector, classifier: Classifier, fields: list[Path], runs: int
) -> dict[str, float]:
    """A field upload's figures (routed_ms) and the fields' size."""
    size = Image.open(fields[0]).size
    return {
        **routed_ms(detector, classifier, fields, runs, "field"),
        "field_size": f"{size[0]}x{size[1]}",
    }
