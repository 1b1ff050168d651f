"""How an image looks, in four numbers, and whether a set of images looks like the training data.

A model can be sure of itself on another lab's images and still be wrong (docs/cross-lab.md: the
Kaggle-trained model's median confidence on PBC images was 0.98 at 0.57 accuracy), so its
confidence alone cannot warn that a lab's images are new to it. These descriptors look at the
model's input itself, after its resize rule, with numpy only (serving computes them per image):

    background_brightness  median brightness of the unstained pixels (0-255): light source, exposure
    stain_darkness         median brightness of the stained pixels: stain strength
    stain_red_minus_blue   median red minus blue of the stained pixels: stain hue (violet vs blue)
    stained_share          share of stained pixels: cell size in the frame (magnification, framing)

"Stained" is blue minus green above MIN_SCORE, the rule ml/cellcrop.py uses to find the cell.
`summarise` gives per-descriptor quantiles of a set of images; a bundle keeps the summary of its
training images as `training_appearance` (written at training, or later by
`python -m ml appearance --model B --store`). `outside_reference` names the descriptors whose
median over a lab's images falls outside the training images' central REFERENCE_RANGE.
"""

import argparse
import json
from pathlib import Path

import numpy as np

DESCRIPTORS = ("background_brightness", "stain_darkness", "stain_red_minus_blue", "stained_share")
QUANTILES = ("0.01", "0.05", "0.5", "0.95", "0.99")
REFERENCE_RANGE = ("0.01", "0.99")  # a lab's median outside this range is unlike training
MAX_REFERENCE_IMAGES = 4000  # a seeded sample of the training split: quantiles settle well before


def describe(image: np.ndarray) -> dict[str, float]:
    """The four descriptors of one RGB model input (h, w, 3), values 0..255."""
    # Imported here: the portal's web process compares summaries without scipy (cellcrop's).
    from ml.cellcrop import MIN_SCORE, stain_score

    # Every other pixel: a quarter of the work, and the medians barely move.
    rgb = np.asarray(image, dtype=np.float32)[::2, ::2]
    brightness = rgb.mean(axis=-1)
    stained = stain_score(rgb) > MIN_SCORE
    unstained = ~stained
    return {
        "background_brightness": float(np.median(brightness[unstained]))
        if unstained.any()
        else 0.0,
        "stain_darkness": float(np.median(brightness[stained])) if stained.any() else 255.0,
        "stain_red_minus_blue": (
            float(np.median(rgb[..., 0][stained] - rgb[..., 2][stained])) if stained.any() else 0.0
        ),
        "stained_share": float(stained.mean()),
    }


def describe_batch(batch: np.ndarray) -> list[dict[str, float]]:
    return [describe(image) for image in batch]


def summarise(descriptions: list[dict[str, float]]) -> dict:
    """{"n", "quantiles": {descriptor: {quantile: value}}} of a set of images' descriptors."""
    summary = {"n": len(descriptions), "quantiles": {}}
    for name in DESCRIPTORS:
        values = np.array([d[name] for d in descriptions if name in d], dtype=np.float64)
        summary["quantiles"][name] = {
            q: float(np.quantile(values, float(q))) if len(values) else None for q in QUANTILES
        }
    return summary


def reference_sample(images: np.ndarray, seed: int = 0) -> np.ndarray:
    """At most MAX_REFERENCE_IMAGES of a split, drawn without replacement with a fixed seed."""
    if len(images) <= MAX_REFERENCE_IMAGES:
        return images
    chosen = np.random.default_rng(seed).choice(len(images), MAX_REFERENCE_IMAGES, replace=False)
    return images[np.sort(chosen)]


def training_summary(images: np.ndarray) -> dict:
    """The `training_appearance` a bundle keeps: the summary of a seeded sample of its training
    split's model inputs."""
    return summarise(describe_batch(reference_sample(images)))


def medians(descriptions: list[dict[str, float]]) -> dict[str, float]:
    """The per-descriptor median of a set of images (descriptors missing everywhere left out)."""
    result = {}
    for name in DESCRIPTORS:
        values = [d[name] for d in descriptions if d and name in d]
        if values:
            result[name] = float(np.median(values))
    return result


def compare(lab_medians: dict[str, float], reference: dict) -> list[dict]:
    """[{descriptor, median, low, high, outside}]: each lab median against the reference range
    (descriptors the reference has no range for are left out)."""
    low_q, high_q = REFERENCE_RANGE
    rows = []
    for name, value in lab_medians.items():
        quantiles = reference.get("quantiles", {}).get(name) or {}
        low, high = quantiles.get(low_q), quantiles.get(high_q)
        if low is None or high is None:
            continue
        rows.append(
            {
                "descriptor": name,
                "median": value,
                "low": low,
                "high": high,
                "outside": value < low or value > high,
            }
        )
    return rows


def outside_reference(lab_medians: dict[str, float], reference: dict) -> list[dict]:
    """The rows of `compare` whose lab median lies outside the reference range."""
    return [row for row in compare(lab_medians, reference) if row["outside"]]


def window_flag_rate(
    descriptions: list[dict[str, float]],
    reference: dict,
    window: int = 50,
    trials: int = 500,
    seed: int = 0,
) -> float:
    """Share of random windows of `window` images whose medians fall outside the reference:
    how often a lab sending these images would be warned (a false alarm for in-lab images)."""
    if len(descriptions) < window:
        return 0.0
    rng = np.random.default_rng(seed)
    flagged = 0
    for _ in range(trials):
        chosen = rng.choice(len(descriptions), window, replace=False)
        flagged += bool(outside_reference(medians([descriptions[i] for i in chosen]), reference))
    return flagged / trials


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", required=True, help="bundle directory or shipped name")
    parser.add_argument(
        "--data", type=Path, help="an image-folder tree to compare with the training images"
    )
    parser.add_argument(
        "--store",
        action="store_true",
        help="summarise the bundle's training split and write it into bundle.json",
    )
    parser.add_argument(
        "--reference-data",
        type=Path,
        help="an image-folder tree to compare with instead of the bundle's training images",
    )
    parser.add_argument(
        "--window", type=int, default=50, help="images per window for the flagged-window share"
    )


def _folder_descriptions(classifier, folder: Path) -> list[dict[str, float]]:
    from ml import data
    from ml.preprocess import load_image

    _, items = data.scan_image_folder(folder, classifier.labels)
    descriptions = []
    for start in range(0, len(items), 64):
        images = [load_image(path) for path, _ in items[start : start + 64]]
        descriptions.extend(describe_batch(classifier.model_input(images)))
    return descriptions


def _store_training_summary(bundle_dir: Path) -> dict:
    """Summarise the bundle's training split and write it into bundle.json."""
    from ml.bundle import update_bundle_metadata
    from ml.train_data import bundle_arrays

    _, arrays = bundle_arrays(bundle_dir)
    training = training_summary(arrays["train"][0])
    update_bundle_metadata(bundle_dir, {"training_appearance": training})
    return training


def _folder_report(descriptions: list[dict], folder: Path, reference: dict | None, window: int):
    lab = medians(descriptions)
    report = {"data": {"path": str(folder), **summarise(descriptions), "medians": lab}}
    if reference is None:
        return {**report, "outside_reference_range": None}
    report["outside_reference_range"] = outside_reference(lab, reference)
    report[f"flagged_share_of_{window}_image_windows"] = window_flag_rate(
        descriptions, reference, window
    )
    return report


def run(args: argparse.Namespace) -> int:
    from ml.bundle import read_bundle_metadata, resolve_bundle
    from ml.serving import load_classifier

    bundle_dir = resolve_bundle(args.model)
    classifier = load_classifier(bundle_dir)
    report: dict = {"model": classifier.name}
    if args.store:
        report["training_appearance"] = _store_training_summary(bundle_dir)
    reference = read_bundle_metadata(bundle_dir).get("training_appearance")
    if args.reference_data:
        reference = summarise(_folder_descriptions(classifier, args.reference_data))
        report["reference"] = {"path": str(args.reference_data), **reference}
    if args.data:
        descriptions = _folder_descriptions(classifier, args.data)
        report.update(_folder_report(descriptions, args.data, reference, args.window))
    print(json.dumps(report, indent=2))
    return 0
