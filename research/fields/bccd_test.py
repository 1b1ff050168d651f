"""BCCD's own test split, scored once with BCCD's labels: cell boxes and field -> WBC -> label.

BCCD's test fields (ImageSets/Main/test.txt) have VOC XML boxes (Annotations/), which miss about
half the red cells; `convert` writes them as a folder `python -m ml fields evaluate --data`
reads (images/ copied, labels/ in YOLO text). `wbc_labels` runs the detector on each test field
whose labels.csv row names one white-cell type, crops and classifies every WBC it finds, and
scores the label of the highest-scoring WBC (a field with no WBC found counts as wrong).
Nothing here is tuned: the detector's thresholds come from the fields validation split.
"""

import csv
from pathlib import Path

from PIL import Image

from ml.serving import load_classifier
from ml.serving.detector import load_detector
from ml.serving.wbc_crop import crop_cell
from ml.training.fields.bccd_voc import bccd_dir, listed, write_tree


def test_names(data_dir: Path | None = None) -> list[str]:
    return listed("test", data_dir)


def convert(out: Path, data_dir: Path | None = None) -> int:
    """Write out/images and out/labels for BCCD's test split; returns the number of fields."""
    return write_tree(test_names(data_dir), Path(out), data_dir)


def field_types(data_dir: Path | None = None) -> dict[str, str]:
    """{BloodImage_XXXXX: type} for fields whose labels.csv row names one white-cell type."""
    types = {}
    with open(bccd_dir(data_dir) / "labels.csv", newline="") as handle:
        for row in csv.DictReader(handle):
            kinds = {kind.strip().lower() for kind in row["Category"].split(",") if kind.strip()}
            if len(kinds) == 1:
                types[f"BloodImage_{int(row['Image']):05d}"] = kinds.pop()
    return types


def wbc_labels(detector_name: str, classifier_name: str, data_dir: Path | None = None) -> dict:
    """Accuracy of the top WBC's label on single-type BCCD test fields, with every miss listed."""
    detector, classifier = load_detector(detector_name), load_classifier(classifier_name)
    fill_share = float(detector.metadata["wbc_crop"]["fill_share"])
    types, images = field_types(data_dir), bccd_dir(data_dir) / "BCCD" / "JPEGImages"
    scored, misses = 0, []
    names = [name for name in test_names(data_dir) if name in types]
    for name in names:
        image = Image.open(images / f"{name}.jpg").convert("RGB")
        wbcs = [cell for cell in detector.find_cells(image) if cell.kind == "wbc"]
        label = (
            classifier.predict([crop_cell(image, wbcs[0].box, fill_share)])[0].label
            if wbcs
            else None
        )
        if label == types[name]:
            scored += 1
        else:
            misses.append({"field": name, "true": types[name], "predicted": label})
    outside = [m for m in misses if m["true"] not in classifier.labels]
    return {
        "fields": len(names),
        "accuracy": round(scored / len(names), 4) if names else None,
        "fields_of_types_the_classifier_knows": len(names) - len(outside),
        "accuracy_on_those": round(scored / max(1, len(names) - len(outside)), 4),
        "misses": misses,
    }
