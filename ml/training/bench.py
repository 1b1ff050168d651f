"""Serving latency and throughput of a bundle's TFLite model on real images.

Single-image latency is what a worker pays per upload: decoding the file's bytes (already in
memory), the framing and resize, and the model on its test-time views (the first only, where
that one is sure: the bundle's test_time_exit_confidence); its p50 is also split into those three
stages. For a bundle that stops early, the p50 on every view is timed too, with the share of the
images answered from the first view alone. Batch throughput decodes and classifies
`--batch-size` images per call, on one thread and on `--threads` threads at once (one
interpreter each, as a worker's processes have). Images come from the PBC data folder when it
exists, else from the test fixtures.
"""

import io
import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image

from ml.serving import test_time_views
from ml.serving.classifier import Classifier, softmax_with_temperature
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


def classify_bytes(classifier: Classifier, blobs: list[bytes], every_view: bool = False) -> None:
    classifier.predict([Image.open(io.BytesIO(blob)) for blob in blobs], every_view)


def stage_ms(classifier: Classifier, blobs: list[bytes], runs: int) -> dict[str, float]:
    """p50 milliseconds of each stage of one image: decode, framing (to the model input), and
    the model on all its test-time views (with the softmax and appearance measures)."""
    timings: dict[str, list[float]] = {"decode": [], "framing": [], "model": []}
    for run_index in range(runs):
        blob = blobs[run_index % len(blobs)]
        start = time.perf_counter()
        image = Image.open(io.BytesIO(blob))
        image.load()
        decoded = time.perf_counter()
        batch = classifier.model_input([image])
        framed = time.perf_counter()
        classifier.probabilities(batch)
        done = time.perf_counter()
        timings["decode"].append((decoded - start) * 1000)
        timings["framing"].append((framed - decoded) * 1000)
        timings["model"].append((done - framed) * 1000)
    return {stage: round(float(np.median(values)), 3) for stage, values in timings.items()}


def single_image_ms(
    classifier: Classifier, blobs: list[bytes], runs: int, every_view: bool = False
) -> np.ndarray:
    for blob in blobs[:WARMUP_RUNS]:
        classify_bytes(classifier, [blob], every_view)
    timings = []
    for run_index in range(runs):
        start = time.perf_counter()
        classify_bytes(classifier, [blobs[run_index % len(blobs)]], every_view)
        timings.append((time.perf_counter() - start) * 1000)
    return np.array(timings)


def batch_images_per_s(classifier: Classifier, blobs: list[bytes], batch_size: int) -> float:
    batches = [blobs[i : i + batch_size] for i in range(0, len(blobs), batch_size)]
    classify_bytes(classifier, batches[0])  # warm-up, and the interpreter sizes itself
    start = time.perf_counter()
    for batch in batches:
        classify_bytes(classifier, batch)
    return len(blobs) / (time.perf_counter() - start)


def threaded_images_per_s(
    classifiers: list[Classifier], blobs: list[bytes], batch_size: int, rounds: int = 3
) -> float:
    """Images per second with one thread per classifier, each classifying the whole set in
    batches (`rounds` times): decoding, resizing and the interpreter release the GIL."""
    for classifier in classifiers:
        classify_bytes(classifier, blobs[:batch_size])  # warm-up, and the interpreter sizes itself
    batches = [blobs[i : i + batch_size] for i in range(0, len(blobs), batch_size)]

    def work(classifier: Classifier) -> None:
        for _round in range(rounds):
            for batch in batches:
                classify_bytes(classifier, batch)

    threads = [threading.Thread(target=work, args=(c,)) for c in classifiers]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return len(classifiers) * rounds * len(blobs) / (time.perf_counter() - start)


def bench(
    classifier: Classifier,
    image_dir: Path,
    runs: int,
    batch_size: int,
    make_classifier: Callable[[], Classifier] | None = None,
    threads: int = 1,
) -> dict:
    """The figures of `python -m ml bench` for one classifier; with `make_classifier` and
    `threads` > 1, also the throughput of that many interpreters on as many threads."""
    image_paths = sample_images(image_dir, max(runs, batch_size))
    blobs = [path.read_bytes() for path in image_paths]
    timings = single_image_ms(classifier, blobs, runs)
    result = {
        "model": classifier.name,
        "views": test_time_views.view_count(classifier.tta),
        "exit_confidence": classifier.exit_confidence,
        "single_image_ms_p50": round(float(np.percentile(timings, 50)), 3),
        "single_image_ms_p95": round(float(np.percentile(timings, 95)), 3),
        "single_image_stage_ms_p50": stage_ms(classifier, blobs, runs),
        "batch_images_per_s": round(batch_images_per_s(classifier, blobs, batch_size), 1),
        "runtime": classifier.runtime,
        "num_threads": classifier.num_threads,
        "input_size": classifier.image_size,
        "images": str(image_dir),
        "runs": runs,
        "batch_size": batch_size,
    }
    if classifier.exit_confidence is not None:
        result.update(every_view_figures(classifier, blobs, runs))
    if make_classifier is not None and threads > 1:
        classifiers = [classifier] + [make_classifier() for _ in range(threads - 1)]
        result[f"batch_images_per_s_{threads}_threads"] = round(
            threaded_images_per_s(classifiers, blobs, batch_size), 1
        )
    return result


def every_view_figures(classifier: Classifier, blobs: list[bytes], runs: int) -> dict:
    """Single-image p50 with every view run, and the share of `blobs` the first view answers."""
    batch = classifier.model_input([Image.open(io.BytesIO(blob)) for blob in blobs])
    first = softmax_with_temperature(
        classifier.logits(batch, test_time_views.NONE), classifier.temperature
    )
    level = classifier.exit_confidence
    every_view = single_image_ms(classifier, blobs, runs, every_view=True)
    return {
        "single_image_every_view_ms_p50": round(float(np.percentile(every_view, 50)), 3),
        "first_view_only_share": round(float((first.max(axis=1) >= level).mean()), 3),
    }
