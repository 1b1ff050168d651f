"""Writing a detector bundle from a trained model: TFLite, thresholds, metrics, card, pictures.

    write_detector_bundle(out_dir, model, config, summary)

The float32 TFLite model is exported at the fixed input size (config.input_size) from the
trained weights. Score thresholds per class are chosen on the validation split from the exported
model's own outputs, then the validation figures (all fields and per source) go to metrics.json
and MODEL_CARD.md. The WBC crop share is measured on PBC's originals (ml/serving/wbc_crop.py).
"""

import json
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

from ml.serving.bundle import write_bundle_metadata
from ml.serving.detector import LABELS, RESIZE_RULE, Detector
from ml.training import paths
from ml.training.export import convert_to_tflite
from ml.training.fields import data
from ml.training.fields.bccd_voc import unseen_trainval_fields
from ml.training.fields.evaluate import choose_thresholds, evaluate_by_source, run_fields
from ml.training.fields.model import build_detector
from ml.training.fields.plots import plot_detector_curves, plot_field_boxes
from ml.training.fields.report import write_detector_card
from ml.training.fields.targets import STRIDE

MODEL_FILE = "model.tflite"
EDGE_CUT_MAX = 0.5
FILES = (
    MODEL_FILE,
    "model.keras",
    "history.json",
    "metrics.json",
    "MODEL_CARD.md",
    "curves.png",
    "validation_field.png",
)


def export_fixed_size(model, config, out_dir: Path) -> None:
    """model.tflite at config.input_size with the trained (any-size) model's weights."""
    fixed, _ = build_detector(config.backbone, config.input_size)
    fixed.set_weights(model.get_weights())
    (out_dir / MODEL_FILE).write_bytes(convert_to_tflite(fixed))


def pbc_fill_share(data_dir: Path | None = None) -> dict:
    """Median share of a PBC original's side that its WBC box's longer side fills."""
    shares = []
    for field in data.folder_fields(Path(data_dir or paths.default_data_dir()) / "fields" / "pbc"):
        with Image.open(field.image) as image:
            size = image.size
        boxes, classes = data.read_yolo_labels(field.labels, size)
        for box in boxes[classes == 0]:
            shares.append(max(box[2] - box[0], box[3] - box[1]) / max(size))
    return {
        "fill_share": round(float(np.median(shares)), 4),
        "measured_on": f"PBC originals, {len(shares)} WBC boxes",
    }


def base_metadata(config, name: str, split_hash: str) -> dict:
    return {
        "name": name,
        "kind": "detector",
        "labels": list(LABELS),
        "input": {
            "size": list(config.input_size),
            "channels": 3,
            "scaling": "raw_0_255",
            "resize": RESIZE_RULE,
        },
        "outputs": "heatmaps_size_offset",
        "stride": STRIDE,
        "backbone": config.backbone,
        "initialisation": "imagenet",
        "temperature": 1.0,
        "confidence_threshold": 0.0,
        "score_thresholds": {label: 0.3 for label in LABELS},
        "edge_cut_max": EDGE_CUT_MAX,
        "split_hash": split_hash,
        "dataset": "fields (TXL-PBC: BCCD relabelled, PBC, Raabin-WBC)",
    }


def write_detector_bundle(
    out_dir: Path, model, config, summary: dict, data_dir=None, limit=None
) -> dict:
    """Export, choose thresholds on validation, score, and write every bundle file."""
    out_dir = Path(out_dir)
    export_fixed_size(model, config, out_dir)
    metadata = base_metadata(config, out_dir.name, data.split_hash())
    metadata["initialisation"] = summary["initialisation"]
    _, validation = data.split_fields(data.shared_fields(data_dir))
    validation = validation[:limit] if limit else validation
    detector = Detector(out_dir, metadata)
    records, _ = run_fields(detector, validation)
    with tempfile.TemporaryDirectory() as bccd_tree:
        extra = unseen_trainval_fields(Path(bccd_tree), data_dir)
        wbc_records, _ = run_fields(detector, extra[:limit] if limit else extra)
    metadata["score_thresholds"] = choose_thresholds(records, STRIDE, wbc_records)
    detector = Detector(out_dir, metadata)
    metadata["wbc_crop"] = pbc_fill_share(data_dir)
    metrics = {"validation": evaluate_by_source(detector, validation), "training": summary}
    (out_dir / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    plot_detector_curves(summary["history"], out_dir / "curves.png", config.head_epochs)
    plot_field_boxes(detector, validation[0], out_dir / "validation_field.png")
    write_detector_card(out_dir / "MODEL_CARD.md", metadata, metrics, config)
    return write_bundle_metadata(out_dir, metadata, FILES)
