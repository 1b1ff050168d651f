"""What the classify worker spends on one upload with the cell finder in front: the steps of
classifier/tasks.py classify_upload without the database (a few row writes).

    decode the stored file (ml.serving.load_image), route_image (sharpness, detector, crops),
    for a field: each white cell's crop written as a PNG with its SHA-256 (classifier/fields.py),
    then one classifier call for the whole image (a cell) or all the crops (a field).

Beside it, the same single-cell uploads without the finder (decode + classify), as the worker
ran before. One interpreter thread each, as a Celery worker process runs them.
"""

import hashlib
import io
import statistics
import tempfile
import time
from pathlib import Path

from ml.serving import load_classifier, load_detector, load_image, route_image
from ml.serving.finder import CELL, FIELD
from ml.serving.preprocess import IMAGE_EXTENSIONS


def image_files(folder: Path, limit: int) -> list[Path]:
    files = sorted(p for p in Path(folder).rglob("*") if p.suffix.lower() in IMAGE_EXTENSIONS)
    return files[:limit]


def store_png(picture, folder: Path) -> str:
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    data = buffer.getvalue()
    digest = hashlib.sha256(data).hexdigest()
    (folder / f"{digest}.png").write_bytes(data)
    return digest


def upload_ms(path: Path, detector, classifier, scratch: Path) -> tuple[str, float]:
    start = time.perf_counter()
    picture = load_image(path)
    route = route_image(picture, detector)
    if route.kind == CELL:
        classifier.predict([picture])
    elif route.kind == FIELD:
        for crop in route.inputs:
            store_png(crop, scratch)
        if route.inputs:
            classifier.predict(list(route.inputs))
    return route.kind, (time.perf_counter() - start) * 1000


def without_finder_ms(path: Path, classifier) -> float:
    start = time.perf_counter()
    classifier.predict([load_image(path)])
    return (time.perf_counter() - start) * 1000


def worker_timing(fields: Path, cells: Path, classifier: str, detector: str, limit: int) -> dict:
    loaded_detector, loaded_classifier = load_detector(detector), load_classifier(classifier)
    result = {"classifier": loaded_classifier.name, "detector": loaded_detector.name}
    with tempfile.TemporaryDirectory() as scratch:
        for name, folder in (("fields", fields), ("cells", cells)):
            files = image_files(folder, limit)
            upload_ms(files[0], loaded_detector, loaded_classifier, Path(scratch))  # warm-up
            timed = [upload_ms(p, loaded_detector, loaded_classifier, Path(scratch)) for p in files]
            result[name] = {
                "n": len(files),
                "kinds": {
                    kind: sum(k == kind for k, _ in timed) for kind in ("cell", "field", "none")
                },
                "ms_p50": round(statistics.median(ms for _, ms in timed), 1),
            }
        files = image_files(cells, limit)
        result["cells"]["without_finder_ms_p50"] = round(
            statistics.median(without_finder_ms(p, loaded_classifier) for p in files), 1
        )
    return result
