"""How a folder of images goes through the cell finder (ml/serving/finder.py), and what a
classifier scores through it.

    evaluate_route(detector, classifier, items) -> {"n_images", "kinds", "reasons", ...}

`items` are (path, true label or None). With labels and a classifier, three accuracies compare the
classifier's inputs on the same images:
- `accuracy_whole`: the whole image, as the portal classified every upload before the finder;
- `accuracy_crop`: the crop of the found WBC nearest the image's centre (whole image if none);
- `accuracy_route`: what the route shows the classifier: the whole image for a cell, the crop of
  the WBC nearest the centre for a field (no WBC: wrong), nothing for none (wrong).
Labels are compared as lower-case names (Kaggle's folders are upper-case). No TensorFlow here.
"""

import time
from collections import Counter
from pathlib import Path

import numpy as np

from ml.serving.finder import CELL, FIELD, NONE, Route, centre_offset, route_image
from ml.serving.preprocess import IMAGE_EXTENSIONS, load_image
from ml.serving.wbc_crop import crop_cell


def folder_items(root: Path) -> list[tuple[Path, str | None]]:
    """(image, class) for a tree of class folders, or (image, None) for a flat folder."""
    root = Path(root)
    images = sorted(p for p in root.rglob("*") if p.suffix.lower() in IMAGE_EXTENSIONS)
    if not images:
        raise ValueError(f"{root}: no images found")
    labelled = all(path.parent != root for path in images)
    return [(path, path.parent.name.lower() if labelled else None) for path in images]


def nearest_wbc_crop(image, route: Route, fill_share: float):
    """The crop of the found WBC nearest the centre, or None when no WBC was found."""
    wbcs = [cell for cell in route.cells if cell.kind == "wbc"]
    if not wbcs:
        return None
    nearest = min(wbcs, key=lambda cell: centre_offset(cell, image.size))
    return crop_cell(image, nearest.box, fill_share)


def route_input(image, route: Route, fill_share: float):
    """The one image whose label stands for the upload through the route (None: no label)."""
    if route.kind == CELL:
        return image
    if route.kind == FIELD:
        return nearest_wbc_crop(image, route, fill_share)
    return None


def evaluate_route(detector, classifier, items: list[tuple[Path, str | None]]) -> dict:
    """Kinds and reasons per image, the route's p50 time, and accuracies when labelled."""
    fill_share = float(detector.metadata["wbc_crop"]["fill_share"])
    kinds, reasons, times = Counter(), Counter(), []
    hits = {"whole": [], "crop": [], "route": []}
    for path, label in items:
        image = load_image(path)
        start = time.perf_counter()
        route = route_image(image, detector, fill_share)
        times.append((time.perf_counter() - start) * 1000)
        kinds[route.kind] += 1
        reasons[route.reason] += bool(route.reason)
        if classifier is None or label is None:
            continue
        crop = nearest_wbc_crop(image, route, fill_share) if route.kind != NONE else None
        candidates = {"whole": image, "crop": crop or image}
        routed = route_input(image, route, fill_share)
        if routed is not None:
            candidates["route"] = routed
        predictions = classifier.predict(list(candidates.values()))
        predicted = dict(zip(candidates, predictions, strict=True))
        for key in hits:
            hits[key].append(key in predicted and predicted[key].label.lower() == label)
    result = {
        "n_images": len(items),
        "kinds": {kind: kinds[kind] for kind in (CELL, FIELD, NONE)},
        "reasons": {reason: count for reason, count in sorted(reasons.items()) if count},
        "route_ms_p50": round(float(np.median(times)), 1),
    }
    if hits["route"]:
        result["classifier"] = classifier.name
        result.update({f"accuracy_{key}": round(float(np.mean(v)), 5) for key, v in hits.items()})
    return result
