"""`python -m ml predict`: label, confidence and top 3 for each image file.

An unreadable file gets a message on stderr and makes the exit status 1; the other images are still
predicted.
"""

import argparse
import json
import sys
from pathlib import Path

from ml.serving.classifier import Prediction, load_classifier
from ml.serving.preprocess import ImageDecodeError, load_image

TOP_K = 3


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", default="default", help="bundle directory or name (default)")
    parser.add_argument("--json", action="store_true", help="print one JSON list on stdout")
    parser.add_argument("images", nargs="+", type=Path, metavar="IMAGE")


def format_prediction(path: Path, prediction: Prediction, threshold: float) -> str:
    top = ", ".join(f"{label} {probability:.3f}" for label, probability in prediction.top(TOP_K))
    doubt = "  (below the confidence threshold)" if prediction.confidence < threshold else ""
    return f"{path}: {prediction.label} {prediction.confidence:.3f}{doubt}  top-{TOP_K}: {top}"


def as_json(path: Path, prediction: Prediction) -> dict:
    return {
        "image": str(path),
        "label": prediction.label,
        "confidence": prediction.confidence,
        "top": [{"label": label, "probability": p} for label, p in prediction.top(TOP_K)],
    }


def run(args: argparse.Namespace) -> int:
    classifier = load_classifier(args.model)
    readable, images, failed = [], [], 0
    for path in args.images:
        try:
            images.append(load_image(path))
            readable.append(path)
        except ImageDecodeError as error:
            print(f"error: {error}", file=sys.stderr)
            failed += 1
    predictions = classifier.predict(images)
    if args.json:
        print(json.dumps([as_json(p, pred) for p, pred in zip(readable, predictions, strict=True)]))
    else:
        for path, prediction in zip(readable, predictions, strict=True):
            print(format_prediction(path, prediction, classifier.confidence_threshold))
    return 1 if failed else 0
