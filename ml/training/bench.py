"""Serving latency and throughput of a bundle's TFLite model on real images.

Single-image latency is what a worker pays per upload: decoding the file's bytes (already in
memory), the resize, and the model. Batch throughput decodes and classifies `--batch-size` images
per call. Images come from the PBC data folder when it exists, else from the test fixtures.
"""

import io
import time
from pathlib import Path

import numpy as np
from PIL import Image

from ml.serving.classifier import Classifier
from ml.training import paths
from ml.training.data import list_images

FIXTURES_DIR = paths.REPO_ROOT / "tests" / "fixtures" / "images"
WARMUP_RUNS = 5


def default_image_dir() -> Path:
    pbc = paths.pbc_images_dir(paths.default_data_dir())
    return pbc if pbc.is_dir() else FIXTURES_DIR


def sample_images(root: Path, count: int) -> list[Path]:
    """Up to `count` images, taken in turn from each class folder so every class is represented."""
    per_class = [list_images(folder) for folder in sorted(root.iterdir()) if folder.is_dir()]
    chosen: list[Path] = []
    for index in range(max((len(files) for files in per_class), default=0)):
        chosen += [files[index] for files in per_class if index < len(files)]
        if len(chosen) >= count:
            return chosen[:count]
    if not chosen:
        raise ValueError(f"{root}: no images found")
    return chosen


def classify_bytes(classifier: Classifier, blobs: list[bytes]) -> None:
    classifier.predict([Image.open(io.BytesIO(blob)) for blob in blobs])


def single_image_ms(classifier: Classifier, blobs: list[bytes], runs: int) -> np.ndarray:
    for blob in blobs[:WARMUP_RUNS]:
        classify_bytes(classifier, [blob])
    timings = []
    for run_index in range(runs):
        start = time.perf_counter()
        classify_bytes(classifier, [blobs[run_index % len(blobs)]])
        timings.append((time.perf_counter() - start) * 1000)
    return np.array(timings)


def batch_images_per_s(classifier: Classifier, blobs: list[bytes], batch_size: int) -> float:
    batches = [blobs[i : i + batch_size] for i in range(0, len(blobs), batch_size)]
    classify_bytes(classifier, batches[0])  # warm-up, and the interpreter sizes itself
    start = time.perf_counter()
    for batch in batches:
        classify_bytes(classifier, batch)
    return len(blobs) / (time.perf_counter() - start)


def bench(classifier: Classifier, image_dir: Path, runs: int, batch_size: int) -> dict:
    image_paths = sample_images(image_dir, max(runs, batch_size))
    blobs = [path.read_bytes() for path in image_paths]
    timings = single_image_ms(classifier, blobs, runs)
    return {
        "model": classifier.name,
        "single_image_ms_p50": round(float(np.percentile(timings, 50)), 3),
        "single_image_ms_p95": round(float(np.percentile(timings, 95)), 3),
        "batch_images_per_s": round(batch_images_per_s(classifier, blobs, batch_size), 1),
        "runtime": classifier.runtime,
        "num_threads": classifier.num_threads,
        "input_size": classifier.image_size,
        "images": str(image_dir),
        "runs": runs,
        "batch_size": batch_size,
    }
