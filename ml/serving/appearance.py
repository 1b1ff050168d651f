"""How an image looks, in four numbers, and whether a set of images looks like the training data.

A model can be sure of itself on another lab's images and still be wrong
(research/cross_lab/README.md: the Kaggle-trained model's median confidence on PBC images was 0.98
at 0.57 accuracy), so its confidence alone cannot warn that a lab's images are new to it. These
descriptors look at the model's input itself, after its resize rule, with numpy only (serving
computes them per image):

    background_brightness  median brightness of the unstained pixels (0-255): light source, exposure
    stain_darkness         median brightness of the stained pixels: stain strength
    stain_red_minus_blue   median red minus blue of the stained pixels: stain hue (violet vs blue)
    stained_share          share of stained pixels: cell size in the frame (magnification, framing)

"Stained" is blue minus green above MIN_SCORE, the rule ml/serving/cellcrop.py uses to find the
cell. `summarise` gives per-descriptor quantiles of a set of images; a bundle keeps the summary of
its training images as `training_appearance` (written at training, or later by `python -m ml
appearance --model B --store`, ml/training/appearance_report.py). `outside_reference` names the
descriptors whose median over a lab's images falls outside the training images' central
REFERENCE_RANGE.
"""

import numpy as np

from ml.serving.cellcrop import MIN_SCORE, stain_score

DESCRIPTORS = ("background_brightness", "stain_darkness", "stain_red_minus_blue", "stained_share")
QUANTILES = ("0.01", "0.05", "0.5", "0.95", "0.99")
REFERENCE_RANGE = ("0.01", "0.99")  # a lab's median outside this range is unlike training
MAX_REFERENCE_IMAGES = 4000  # a seeded sample of the training split: quantiles settle well before


def describe(image: np.ndarray) -> dict[str, float]:
    """The four descriptors of one RGB model input (h, w, 3), values 0..255."""
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
