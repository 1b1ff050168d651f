"""`python -m ml fields {train,evaluate,predict,route,split}`: the cell detector's commands.

    python -m ml fields train --out ml/bundles/fields1
    python -m ml fields bundle --out ml/bundles/fields4   # write it again from its model.keras
    python -m ml fields evaluate --data DIR [--detector NAME] [--ap] --json
    python -m ml fields predict [--detector NAME] [--classifier MODEL] IMAGE... --json
    python -m ml fields route --data DIR [--detector NAME] [--classifier MODEL] --json
    python -m ml fields split        # rewrite ml/splits/fields.csv from the shared fields

DIR holds images/ and labels/ (YOLO text: `class cx cy w h` relative; 0 WBC, 1 RBC, 2 platelet).
For route, DIR is a tree of class folders (accuracies need --classifier) or a flat image folder.
predict sends each image through the route every upload takes: `kind` says cell, field or none
(with its `reason`); an image with no blood cells lists none, and a single cell's white cell is
labelled from the whole image, a field's from its crop.
"""

import argparse
import json
from pathlib import Path

from ml.serving import load_classifier, load_image
from ml.serving.detector import DEFAULT_DETECTOR, LABELS, load_detector
from ml.serving.finder import classify_route, route_image


def size_pair(text: str) -> tuple[int, int]:
    """'320x240' -> (320, 240); both multiples of 16 (the detector's deepest stride)."""
    try:
        width, height = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not WIDTHxHEIGHT") from None
    if width % 16 or height % 16 or width <= 0 or height <= 0:
        raise argparse.ArgumentTypeError(f"{text}: width and height must be multiples of 16")
    return width, height


def add_arguments(parser: argparse.ArgumentParser) -> None:
    commands = parser.add_subparsers(dest="action", required=True)
    train = commands.add_parser("train", help="train a detector and write its bundle")
    train.add_argument("--out", type=Path, required=True, help="bundle directory to write")
    train.add_argument("--input-size", type=size_pair, default=(320, 240), help="WxH (320x240)")
    train.add_argument("--crop-size", type=size_pair, default=(224, 176), help="WxH (224x176)")
    train.add_argument("--head-epochs", type=int, default=3)
    train.add_argument("--epochs", type=int, default=27, help="fine-tuning epochs (default 27)")
    train.add_argument("--steps-per-epoch", type=int, default=50)
    train.add_argument("--batch-size", type=int, default=16)
    train.add_argument("--limit", type=int, help="use only the first N fields of each split")
    train.add_argument("--data-dir", type=Path, help="shared data directory")
    bundle = commands.add_parser(
        "bundle", help="write a trained detector's bundle again (thresholds, metrics, card)"
    )
    bundle.add_argument("--out", type=Path, required=True, help="bundle directory to rewrite")
    bundle.add_argument("--data-dir", type=Path, help="shared data directory")
    bundle.add_argument("--limit", type=int, help="score only the first N validation fields")
    evaluate = commands.add_parser("evaluate", help="score a detector on labelled fields")
    source = evaluate.add_mutually_exclusive_group(required=True)
    source.add_argument("--data", type=Path, help="folder with images/ and labels/")
    source.add_argument("--split", choices=("validation",), help="the shared fields' split")
    evaluate.add_argument("--ap", action="store_true", help="add VOC AP@0.5 per class")
    predict = commands.add_parser("predict", help="find (and classify) the cells of images")
    predict.add_argument("images", nargs="+", type=Path)
    predict.add_argument("--classifier", default="default", help="classifier bundle for WBCs")
    route = commands.add_parser("route", help="how images go through the cell finder")
    route.add_argument("--data", type=Path, required=True, help="class folders or a flat folder")
    route.add_argument("--classifier", help="classifier bundle: adds accuracies through the route")
    for sub in (evaluate, predict, route):
        sub.add_argument("--detector", default=DEFAULT_DETECTOR, help="detector bundle or name")
        sub.add_argument("--json", action="store_true", help="print JSON on stdout")
    commands.add_parser("split", help="write ml/splits/fields.csv")


def run(args: argparse.Namespace) -> int:
    actions = {
        "train": train,
        "bundle": bundle,
        "evaluate": evaluate,
        "predict": predict,
        "route": route,
    }
    return {**actions, "split": split}[args.action](args)


def train(args: argparse.Namespace) -> int:
    from ml.training.fields.bundle import write_detector_bundle
    from ml.training.fields.stages import DetectorConfig
    from ml.training.fields.train import train_detector

    config = DetectorConfig(
        input_size=args.input_size,
        crop_size=args.crop_size,
        batch_size=args.batch_size,
        steps_per_epoch=args.steps_per_epoch,
        head_epochs=args.head_epochs,
        fine_tune_epochs=args.epochs,
    )
    model, summary = train_detector(args.out, config, args.data_dir, args.limit)
    metadata = write_detector_bundle(args.out, model, config, summary, args.data_dir, args.limit)
    print(f"wrote {args.out} ({metadata['name']}); thresholds {metadata['score_thresholds']}")
    return 0


def bundle(args: argparse.Namespace) -> int:
    from ml.training.fields.bundle import write_detector_bundle
    from ml.training.fields.train import saved_training

    model, config, summary = saved_training(args.out)
    metadata = write_detector_bundle(args.out, model, config, summary, args.data_dir, args.limit)
    print(f"wrote {args.out} ({metadata['name']}); thresholds {metadata['score_thresholds']}")
    return 0


def evaluate(args: argparse.Namespace) -> int:
    from ml.training.fields import data
    from ml.training.fields.evaluate import evaluate_detector

    detector = load_detector(args.detector)
    if args.data:
        result = evaluate_detector(detector, data.folder_fields(args.data), ap=args.ap)
    else:
        fields = data.split_fields(data.shared_fields())[1]
        result = evaluate_detector(detector, fields, ap=args.ap)
        result["by_source"] = {
            source: evaluate_detector(detector, [f for f in fields if f.source == source])
            for source in sorted({field.source for field in fields})
        }
    if args.json:
        print(json.dumps(result))
        return 0
    print_figures(result, args.ap)
    for source, figures in result.get("by_source", {}).items():
        print(f"\n{source}:")
        print_figures(figures, False)
    return 0


def print_figures(result: dict, ap: bool) -> None:
    print(f"{result['n_images']} images, p50 {result['ms_per_image_p50']} ms per image")
    for label in LABELS:
        scores = result["per_class"][label]
        figures = " ".join(f"{key} {scores[key]}" for key in ("precision", "recall", "f1"))
        average = f" AP@0.5 {result['ap50'][label]}" if ap else ""
        print(f"{label:<9} {figures} count_error_pct {scores['count_error_pct']}{average}")


def predict(args: argparse.Namespace) -> int:
    detector = load_detector(args.detector)
    classifier = load_classifier(args.classifier) if args.classifier else None
    results = []
    for path in args.images:
        route = route_image(load_image(path), detector)
        cells = classify_route(route, classifier)
        counts = {label: sum(c.cell.kind == label for c in cells) for label in LABELS}
        results.append(
            {
                "image": str(path),
                "kind": route.kind,
                "reason": route.reason,
                "counts": counts,
                "cells": [c.as_dict() for c in cells],
            }
        )
    if args.json:
        print(json.dumps(results))
        return 0
    for result in results:
        labels = [c["label"] for c in result["cells"] if c["label"]]
        print(f"{result['image']}: {result['counts']} white cells {labels}")
    return 0


def route(args: argparse.Namespace) -> int:
    from ml.training.fields.routing import evaluate_route, folder_items

    detector = load_detector(args.detector)
    classifier = load_classifier(args.classifier) if args.classifier else None
    result = evaluate_route(detector, classifier, folder_items(args.data))
    if args.json:
        print(json.dumps(result))
        return 0
    print(f"{result['n_images']} images: {result['kinds']} (none: {result['reasons']})")
    print(f"route p50 {result['route_ms_p50']} ms per image")
    if "accuracy_route" in result:
        figures = ("whole", "crop", "route")
        print(" ".join(f"{key} {result[f'accuracy_{key}']}" for key in figures))
    return 0


def split(args: argparse.Namespace) -> int:
    from ml.training.fields.data import SPLIT_FILE, shared_fields, write_split

    write_split(shared_fields())
    print(f"wrote {SPLIT_FILE}")
    return 0
