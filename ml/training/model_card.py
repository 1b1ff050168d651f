"""MODEL_CARD.md for a bundle: intended use, data and split method, measured figures, limits."""

from pathlib import Path

DATA_NOTES = {
    "pbc": (
        "PBC (Acevedo et al. 2020, CC BY 4.0): single normal peripheral blood cells, Hospital "
        "Clinic de Barcelona, CellaVision DM96, May Gruenwald-Giemsa stain, 8 classes; the "
        "project's 13,675-image share. Split ml/splits/pbc.csv: 70/15/15 train/val/test, "
        "stratified by class, seeded, by duplicate group (byte-identical files from manifest.csv "
        "`duplicate_of` stay on one side). The one label-conflict pair (eosinophil/EO_225902.jpg = "
        "neutrophil/BNE_191112.jpg) is excluded from every split."
    ),
    "kaggle": (
        "Kaggle 'Blood Cell Images' (dataset2-master, from dhruvp/wbc-classification and BCCD): "
        "320x240 crops around one white cell, 4 classes. TRAIN holds ~35 Keras augmentations of "
        "each of 277 originals, so a random validation split would leak. ml/splits/kaggle.csv "
        "groups TRAIN images by their original: a perceptual hash (ImageHash pHash, taken as the "
        "minimum over the 8 flips/90-degree rotations, since the augmentation flips and rotates) "
        "plus a colour-histogram distance, clustered per class with average-linkage agglomerative "
        "clustering; whole groups go to train or val (about 20 % of groups to val, stratified). "
        "Test = the official TEST folder (augmentations of 71 other originals), scored once."
    ),
    "folder": "An image-folder tree (one sub-folder per class), split 70/15/15 by a seeded rule.",
}

LIMITS = """\
- Decision support, not a diagnostic device. Every result must be reviewed by a qualified person.
- Trained on single, centred cell crops of normal cells. Blasts, lymphoma cells, smudge cells,
  artefacts or anything outside the labels will still get one of the labels (with a lower
  confidence if all goes well): "unidentified" catches only part of them.
- Domain shift: another analyser, stain or hospital lowers accuracy, sometimes a lot (see the
  cross-domain figures in docs/ml/bundles.md). Validate on local images before use.
- Probabilities are calibrated (temperature scaling) on the validation split of the training
  data only; calibration on other data is not guaranteed.
"""


def _figures_table(metrics: dict) -> str:
    lines = [
        "| split | images | accuracy | macro-F1 | ECE before T | ECE after T | kept at threshold |",
        "|---|---|---|---|---|---|---|",
    ]
    for split in ("train", "val", "test"):
        scores = metrics[split]
        kept = scores["at_confidence_threshold"]
        ece = scores["ece"]
        name = f"{split} (seen in training)" if scores.get("seen_in_training") else split
        lines.append(
            f"| {name} | {scores['images']} | {scores['accuracy']:.4f} | {scores['macro_f1']:.4f} "
            f"| {ece['before_temperature']:.4f} | {ece['after_temperature']:.4f} "
            f"| {kept['coverage']:.3f} (accuracy {kept['selective_accuracy']:.4f}) |"
        )
    return "\n".join(lines)


def _per_class_table(scores: dict) -> str:
    lines = ["| class | precision | recall | F1 | support |", "|---|---|---|---|---|"]
    for label, row in scores["per_class"].items():
        lines.append(
            f"| {label} | {row['precision']:.4f} | {row['recall']:.4f} | {row['f1']:.4f} "
            f"| {row['support']} |"
        )
    return "\n".join(lines)


def _refit_note(refit_of: dict | None) -> str:
    if not refit_of:
        return ""
    return (
        f"\n- **Refit on train + validation** with the recipe of `{refit_of['name']}`"
        f" (created {refit_of['created']}), chosen on validation: every epoch ran, and the"
        " temperature, threshold and test-time views are that bundle's, fitted on held-out"
        " images. The validation figures below are on images the model was trained on."
    )


FRAMING = {
    "bilinear_stretch": "the whole image stretched to a square",
    "cell_crop": "a square around the stained cell, twice its size (ml/serving/cellcrop.py)",
}


def _augment_text(config: dict) -> str:
    augment = ", ".join(f"{k} {v}" for k, v in sorted((config.get("augment") or {}).items()))
    text = ", " + augment if augment else ""
    if config.get("consistency"):
        text += (
            f"; consistency loss (weight {config['consistency']}) between each image and a"
            " re-saved or resized copy"
        )
    return text


def _intended_use(metadata: dict) -> str:
    return f"""## Intended use
Classifies one microscope image of a single blood cell into {len(metadata["labels"])} classes
({", ".join(metadata["labels"])}) for HematoVision's review queue. **Decision support, not a
diagnostic device**: a technologist or pathologist confirms or corrects every prediction. A
prediction whose calibrated confidence is below {metadata["confidence_threshold"]:.2f} is shown as
"unidentified"."""


def _model_section(metadata: dict, config: dict) -> str:
    size = metadata["input"]["size"]
    framing = FRAMING.get(metadata["input"]["resize"], metadata["input"]["resize"])
    extra = ", ".join(config.get("extra_data") or []) or "none"
    timing = config.get("training", {}).get("timing", {})
    refit = _refit_note(metadata.get("refit_of"))
    if refit:
        stopping = ("all", "no early stopping: a refit")
    else:
        stopping = ("up to", f"early stopping on validation loss, patience {config['patience']}")
    return f"""## Model
- Backbone `{metadata["backbone"]}`, initialisation: {metadata["initialisation"]}; head: global
  average pooling, dropout {config["dropout"]}, dense logits.
- Input: float32 RGB 0..255, {framing}, {size}x{size} (scaling inside the model).
  Output: logits; serving applies softmax(logits / T), T = {metadata["temperature"]:.4f}.
  Test-time augmentation: {views_text(metadata)}.
- Training: {config["epochs"]} head-only epochs (lr {config["learning_rate"]}), then {stopping[0]}
  {config["fine_tune_epochs"]} fine-tuning epochs (BatchNorm frozen, cosine lr from
  {config["fine_tune_learning_rate"]}, {stopping[1]}), class-weighted loss,
  flips/90-degree rotations, small crops, colour and HED stain jitter{_augment_text(config)},
  seed {config["seed"]}.
  Extra training data: {extra}.
  Fit time: {timing.get("fit_seconds", "?")} s on CPU.{refit}"""


def _figures_section(metrics: dict) -> str:
    agreement = metrics["test"]["tflite_keras_top1_agreement"]
    return f"""## Figures (test split scored once, after all choices were made on validation)
{_figures_table(metrics)}

TFLite vs Keras top-1 agreement on test: {agreement:.4f}.
Threshold rule: {metrics["threshold_rule"]}.

Per class, test split:

{_per_class_table(metrics["test"])}"""


def _adaptation_section(adaptation: dict | None) -> str:
    """Where an adapted model comes from: its parent, the lab's cells and the held-out figures."""
    if not adaptation:
        return ""
    parent = adaptation.get("from", {})
    cells = ", ".join(f"{k} {v}" for k, v in sorted(adaptation.get("labelled_cells", {}).items()))
    lines = [
        "## Adaptation",
        f"Adapted from `{parent.get('name', '?')}` (created {parent.get('created', '?')}).",
        f"Reviewed cells of the lab trained on: {cells or 'none'}.",
    ]
    if held := adaptation.get("held_out"):
        lines.append(
            f"On the lab's held-out cells: accuracy {held['accuracy_before']:.3f} before, "
            f"{held['accuracy_after']:.3f} after; drop on the original test split "
            f"{held['test_drop'] * 100:.1f} points (accepted: {held['accepted']})."
        )
    return "\n".join(lines)


def write_model_card(
    out: Path, metadata: dict, config: dict, metrics: dict, description: str
) -> None:
    data = f"""## Data
{DATA_NOTES.get(config["dataset"], "")}

Source used: {description}. Split hash `{metadata["split_hash"]}`."""
    sections = [
        f"# Model card: {metadata['name']}",
        _intended_use(metadata),
        _model_section(metadata, config),
        data,
        _figures_section(metrics),
        _adaptation_section(config.get("adaptation")),
        f"## Limits\n{LIMITS}",
    ]
    (out / "MODEL_CARD.md").write_text("\n\n".join(filter(None, sections)), encoding="utf-8")


def views_text(metadata: dict) -> str:
    text = f"{metadata.get('test_time_augmentation', 'none')} (chosen on validation)"
    level = metadata.get("test_time_exit_confidence")
    if level is None:
        return text
    return f"{text}; the first view answers alone where it is at least {level} sure"
