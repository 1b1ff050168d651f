"""TFLite export: float32 (what serving uses) and full-integer int8, with int8 accuracy reported.

`python -m ml export --model pbc8 --format tflite` rewrites model.tflite from model.keras;
`--format tflite-int8` writes model_int8.tflite (int8 weights and activations, float32 input and
output, so that serving code is unchanged), scores it on the bundle's test split next to the
float model, and records both in metrics.json["int8"] and bundle.json["files"].
"""

import json
import os
from pathlib import Path

import numpy as np
from ai_edge_litert.interpreter import Interpreter

from ml.serving import test_time_views
from ml.serving.bundle import (
    read_bundle_metadata,
    update_bundle_metadata,
    write_json_atomic,
)
from ml.training.metrics import classification_metrics
from ml.training.train_data import config_from_bundle, load_split_items, split_arrays

FLOAT_FILE = "model.tflite"
INT8_FILE = "model_int8.tflite"
REPRESENTATIVE_IMAGES = 200


def convert_to_tflite(model, representative_images: np.ndarray | None = None) -> bytes:
    """Float32 TFLite bytes; with representative images, full-integer int8 (float I/O)."""
    # Imported here: rescoring a bundle (`tta`, `export`'s int8 report) runs TFLite only.
    import tensorflow as tf

    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    if representative_images is not None:

        def representative_dataset():
            for image in representative_images:
                yield [image[np.newaxis].astype(np.float32)]

        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.representative_dataset = representative_dataset
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    return converter.convert()


def tflite_outputs(
    model_path: Path, images: np.ndarray, batch_size: int = 32, tta: str = test_time_views.NONE
) -> np.ndarray:
    """Raw outputs of a TFLite model for uint8/float images (n, s, s, 3) in 0..255, averaged
    over the views of `tta` (ml/serving/test_time_views.py) as serving does."""
    interpreter = Interpreter(model_path=str(model_path), num_threads=os.cpu_count() or 1)
    input_detail = interpreter.get_input_details()[0]
    output_detail = interpreter.get_output_details()[0]
    current = None

    def run(batch: np.ndarray) -> np.ndarray:
        nonlocal current
        batch = np.asarray(batch, dtype=np.float32)
        if current != len(batch):
            interpreter.resize_tensor_input(input_detail["index"], list(batch.shape))
            interpreter.allocate_tensors()
            current = len(batch)
        interpreter.set_tensor(input_detail["index"], batch)
        interpreter.invoke()
        return interpreter.get_tensor(output_detail["index"]).copy()

    outputs = test_time_views.run_in_chunks(run, images, tta, batch_size)
    return np.concatenate(outputs) if outputs else np.zeros((0, 0), dtype=np.float32)


def top1_agreement(logits_a: np.ndarray, logits_b: np.ndarray) -> float:
    if len(logits_a) == 0:
        return 1.0
    return float(np.mean(np.argmax(logits_a, axis=1) == np.argmax(logits_b, axis=1)))


def _bundle_split_images(bundle_dir: Path, split: str, data_dir: Path | None):
    """(uint8 images, targets) of one split of the data the bundle was trained on."""
    config = config_from_bundle(bundle_dir, data_dir)
    return split_arrays(config, load_split_items(config), split)


def export_bundle(bundle_dir: Path, output_format: str, data_dir: Path | None = None) -> dict:
    """Write the TFLite file of `output_format` into the bundle and update bundle.json."""
    import keras  # see convert_to_tflite

    bundle_dir = Path(bundle_dir)
    metadata = read_bundle_metadata(bundle_dir, verify_files=("model.keras",))
    model = keras.models.load_model(bundle_dir / "model.keras", compile=False)
    if output_format == "tflite":
        (bundle_dir / FLOAT_FILE).write_bytes(convert_to_tflite(model))
        update_bundle_metadata(bundle_dir, {"files": {FLOAT_FILE: ""}})
        return {"file": str(bundle_dir / FLOAT_FILE)}
    train_images, _ = _bundle_split_images(bundle_dir, "train", data_dir)
    rng = np.random.default_rng(0)
    count = min(REPRESENTATIVE_IMAGES, len(train_images))
    sample = train_images[rng.choice(len(train_images), count, replace=False)]
    (bundle_dir / INT8_FILE).write_bytes(convert_to_tflite(model, sample))
    images, targets = _bundle_split_images(bundle_dir, "test", data_dir)
    labels = metadata["labels"]
    truth = [labels[t] for t in targets]
    float_logits = tflite_outputs(bundle_dir / FLOAT_FILE, images)
    int8_logits = tflite_outputs(bundle_dir / INT8_FILE, images)
    report = {"split": "test", "images": int(len(images))}
    for name, logits in (("float32", float_logits), ("int8", int8_logits)):
        scores = classification_metrics(truth, [labels[i] for i in logits.argmax(1)], labels)
        report[name] = {"accuracy": scores["accuracy"], "macro_f1": scores["macro_f1"]}
    report["int8_float_top1_agreement"] = top1_agreement(float_logits, int8_logits)
    report["bytes"] = {
        "float32": (bundle_dir / FLOAT_FILE).stat().st_size,
        "int8": (bundle_dir / INT8_FILE).stat().st_size,
    }
    metrics_path = bundle_dir / "metrics.json"
    metrics = json.loads(metrics_path.read_text(encoding="utf-8"))
    metrics["int8"] = report
    write_json_atomic(metrics_path, metrics)
    update_bundle_metadata(bundle_dir, {"files": {INT8_FILE: ""}})
    return report
