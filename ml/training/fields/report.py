"""MODEL_CARD.md of a detector bundle: what it finds, how it was trained, its validation figures."""

from pathlib import Path

from ml.serving.detector import LABELS


def per_class_table(result: dict) -> str:
    rows = [
        "| class | precision | recall | F1 | count error % | true | found |",
        "|---|---|---|---|---|---|---|",
    ]
    for label in LABELS:
        s = result["per_class"][label]
        rows.append(
            f"| {label} | {s['precision']:.3f} | {s['recall']:.3f} | {s['f1']:.3f} |"
            f" {s['count_error_pct']:.1f} | {s['true']} | {s['predicted']} |"
        )
    return "\n".join(rows)


def validation_section(validation: dict) -> str:
    parts = []
    for source, result in validation.items():
        parts.append(
            f"**{source}** ({result['n_images']} fields, p50 {result['ms_per_image_p50']} ms"
            f" per field, decode included, one thread):\n\n{per_class_table(result)}\n"
        )
    return "\n".join(parts)


def write_detector_card(path: Path, metadata: dict, metrics: dict, config) -> None:
    training = metrics["training"]
    crop = metadata["wbc_crop"]
    width, height = config.input_size
    crop_w, crop_h = config.crop_size
    minutes = training["training_seconds"] / 60
    split_hash = metadata["split_hash"][:12]
    thresholds = ", ".join(f"{k} {v:.3f}" for k, v in metadata["score_thresholds"].items())
    edge_cut_max = metadata.get("edge_cut_max")
    edge_rule = (
        f"A white cell with more than {edge_cut_max:.0%} of its diameter outside the field is\n"
        "found but neither counted nor classified (edge_cut_max); the figures below score\n"
        "every cell found, as the labels box such slivers too."
        if edge_cut_max is not None
        else ""
    )
    text = f"""# {metadata["name"]}: cell detector (WBC, RBC, platelets)

Finds every white cell, red cell and platelet in a photographed smear field: a box and a score
each. CenterNet-style: {metadata["backbone"]} features ({metadata["initialisation"]} weights)
at strides 4, 8 and 16 merged top-down, three class heatmaps plus width/height and centre offset
at stride {metadata["stride"]}. Input {width}x{height} RGB 0..255, the
field letterboxed (ml/serving/field_image.py); float32 TFLite.

## Intended use
Locating cells before the classifier (each WBC cropped as PBC frames a cell: fill share
{crop["fill_share"]}, {crop["measured_on"]}) and counting cells per
field. Not a diagnostic device; a person reviews every field.

## Training
Data: the shared fields (TXL-PBC: BCCD relabelled with the RBCs BCCD's XML misses, PBC and
Raabin-WBC fields), split by image, seeded, 15 % of each source for validation
(ml/splits/fields.csv, sha256 {split_hash}). {training["train_fields"]} training fields.
Stage 1: heads only, {config.head_epochs} epochs; stage 2: all but BatchNorm,
{config.fine_tune_epochs} epochs, cosine rate from {config.fine_tune_learning_rate};
{config.steps_per_epoch} batches of {config.batch_size} random {crop_w}x{crop_h} crops per epoch,
with quarter turns, flips, ±12° rotation, 0.8-1.25 zoom and colour jitter. {minutes:.1f} min on
2 shared CPU cores. Curves: curves.png; a validation field: validation_field.png.

Score thresholds: {thresholds}.
Chosen by ml/training/fields/evaluate.py: white cells the lowest threshold within 0.01 of the
best F1 on the validation split plus BCCD's train/val fields training never saw (a missed white
cell is worse than a false one); red cells the lowest count error with F1 >= 0.92; platelets
best F1.
{edge_rule}

## Validation split (centre-in-box matching, `python -m ml fields evaluate`)

{validation_section(metrics["validation"])}
## Limitations
BCCD's test split is scored separately (docs/ml/bundles.md): its XML boxes miss about half the
red cells, so RBC precision against them understates the detector. Boxes are at stride 4 of a
{width}x{height} input: a platelet is a few output cells across. Fields from other
microscopes and stains than BCCD's, PBC's and Raabin's are untested.
"""
    Path(path).write_text(text)
