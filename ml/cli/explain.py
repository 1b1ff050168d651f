"""`python -m ml explain`: Grad-CAM (on model.keras) or LIME (on model.tflite) for one image."""

import argparse
import sys
from pathlib import Path

from ml.explain.image import METHODS, explain_image
from ml.explain.lime import LIME_SAMPLES
from ml.serving import load_classifier, load_image


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", default="default", help="bundle directory or name (default)")
    parser.add_argument("image", type=Path, metavar="IMAGE")
    parser.add_argument("--method", choices=METHODS, default="gradcam")
    parser.add_argument("--out", type=Path, required=True, help="PNG file to write")
    parser.add_argument("--label", help="class to explain (default: the predicted class)")
    parser.add_argument("--samples", type=int, default=LIME_SAMPLES, help="LIME samples")


def run(args: argparse.Namespace) -> int:
    classifier = load_classifier(args.model)
    if args.label is not None and args.label not in classifier.labels:
        print(f"error: --label must be one of {classifier.labels}", file=sys.stderr)
        return 2
    image = load_image(args.image)
    drawing, label = explain_image(classifier, image, args.method, args.label, args.samples)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    drawing.save(args.out, format="PNG")
    print(f"{args.image}: {args.method} for {label} written to {args.out}")
    return 0
