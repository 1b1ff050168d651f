"""`python -m research.robustness`: does the top-1 label survive how the image was saved?

    python -m research.robustness --model pbc8 --data ../shared/data --json

The same cell reaches the portal as JPEG of any quality with 4:2:0 or 4:4:4 chroma, as PNG, TIFF
or BMP, and at other sizes (the PBC copies here are 224 px JPEG q85; the originals are ~360 px).
For every image, the bundle's TFLite model (the serving path) labels the file as stored and then
each re-encoded or resized copy; the agreement of a variant is the share of images whose top-1
label did not change. Target: at least 0.99 per variant.

--data is either the data directory (then the PBC split in ml/splits/pbc.csv is used, test split
by default, restricted to the model's labels) or any image-folder tree with one folder per class.
"""

import argparse
import json
import random
import sys
from pathlib import Path

from tqdm import tqdm

from ml.serving.classifier import load_classifier
from ml.serving.preprocess import load_image
from ml.training import data, paths
from ml.training.reencode import variants

TARGET_AGREEMENT = 0.99
BATCH_SIZE = 32


def select_variants(names: str | None) -> dict:
    table = variants()
    if not names:
        return table
    chosen = [name.strip() for name in names.split(",") if name.strip()]
    unknown = [name for name in chosen if name not in table]
    if unknown:
        raise ValueError(f"unknown variants {unknown}; choose from {list(table)}")
    return {name: table[name] for name in chosen}


def image_items(data_dir: Path, labels: list[str], split: str) -> tuple[list, str]:
    """(path, label) pairs and a description: the PBC split, or a folder tree."""
    if paths.pbc_images_dir(data_dir).is_dir():
        splits = data.pbc_splits(data_dir)
        items = [
            (path, splits.labels[label])
            for path, label in splits.items[split]
            if splits.labels[label] in labels
        ]
        return items, f"PBC {split} split ({splits.description})"
    found_labels, items = data.scan_image_folder(data_dir, labels)
    return [(path, found_labels[label]) for path, label in items], str(data_dir)


def sample(items: list, limit: int, seed: int) -> list:
    if not limit or limit >= len(items):
        return items
    return sorted(random.Random(seed).sample(items, limit))


def _tally(counts: dict, before, after, label: str, threshold: float) -> None:
    """Add one image's stored-file and re-encoded predictions to a variant's counts."""
    same = before.label == after.label
    counts["same"] += same
    counts["unflagged"] += not same and min(before.confidence, after.confidence) >= threshold
    counts["correct"] += after.label == label
    counts["confidence_change"] += abs(before.confidence - after.confidence)


def measure(classifier, items: list, table: dict) -> dict:
    """Agreement, accuracy and confidence change of every variant against the stored files.

    `changed_unflagged` counts the label changes that a user would not be warned about: both
    predictions at or above the bundle's threshold, so neither is shown as "unidentified".
    """
    reference_correct = 0
    counts = {
        name: {"same": 0, "correct": 0, "confidence_change": 0.0, "unflagged": 0} for name in table
    }
    with tqdm(total=len(items), desc="robustness", unit="img", file=sys.stderr) as progress:
        for start in range(0, len(items), BATCH_SIZE):
            batch = items[start : start + BATCH_SIZE]
            labels = [label for _, label in batch]
            images = [load_image(path) for path, _ in batch]
            reference = classifier.predict(images)
            reference_correct += sum(p.label == t for p, t in zip(reference, labels, strict=True))
            for name, transform in table.items():
                changed = classifier.predict([transform(image) for image in images])
                for before, after, label in zip(reference, changed, labels, strict=True):
                    _tally(counts[name], before, after, label, classifier.confidence_threshold)
            progress.update(len(batch))
    n = len(items)
    report = {
        "n": n,
        "reference_accuracy": reference_correct / n if n else 0.0,
        "variants": {
            name: {
                "agreement": c["same"] / n if n else 0.0,
                "changed": n - c["same"],
                "changed_unflagged": c["unflagged"],
                "accuracy": c["correct"] / n if n else 0.0,
                "mean_abs_confidence_change": c["confidence_change"] / n if n else 0.0,
            }
            for name, c in counts.items()
        },
    }
    agreements = [v["agreement"] for v in report["variants"].values()]
    report["min_agreement"] = min(agreements) if agreements else 0.0
    report["target"] = TARGET_AGREEMENT
    report["passed"] = report["min_agreement"] >= TARGET_AGREEMENT
    return report


def format_report(report: dict) -> str:
    lines = [
        f"model {report['model']} on {report['data']}: {report['n']} images, "
        f"accuracy of the stored files {report['reference_accuracy']:.4f}",
        f"{'variant':<16}{'agreement':>10}{'changed':>9}{'unflagged':>10}{'accuracy':>10}"
        f"{'|d conf|':>10}",
    ]
    for name, scores in report["variants"].items():
        lines.append(
            f"{name:<16}{scores['agreement']:>10.4f}{scores['changed']:>9d}"
            f"{scores['changed_unflagged']:>10d}{scores['accuracy']:>10.4f}"
            f"{scores['mean_abs_confidence_change']:>10.4f}"
        )
    verdict = "met" if report["passed"] else "NOT met"
    lines.append(
        f"lowest agreement {report['min_agreement']:.4f}: target {report['target']} {verdict}"
    )
    return "\n".join(lines)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", required=True, help="bundle directory or name (default, pbc8)")
    parser.add_argument("--data", type=Path, default=None, help="data dir or image-folder tree")
    parser.add_argument("--split", default="test", choices=data.SPLITS, help="PBC split to use")
    parser.add_argument("--limit", type=int, default=0, help="a seeded sample of N images; 0 = all")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--variants", help="comma-separated subset (default: all)")
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout")


def run(args: argparse.Namespace) -> int:
    classifier = load_classifier(args.model)
    table = select_variants(args.variants)
    items, description = image_items(
        Path(args.data or paths.default_data_dir()), classifier.labels, args.split
    )
    report = measure(classifier, sample(items, args.limit, args.seed), table)
    report = {"model": classifier.name, "data": description, **report}
    print(json.dumps(report) if args.json else format_report(report))
    return 0
