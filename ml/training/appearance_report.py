"""How a bundle's training images look, and how a folder of images looks next to them.

The descriptors and their comparison are serving's (ml/serving/appearance.py); this module reads
the images: the training split a bundle was trained on, or an image-folder tree.
    python -m ml appearance --model pbc8 --store           # keep the training summary in
    bundle.json python -m ml appearance --model pbc8 --data LAB_TREE   # a lab's images against it
"""

from pathlib import Path

from ml.serving import appearance, load_classifier, load_image, read_bundle_metadata
from ml.serving.bundle import update_bundle_metadata
from ml.training import data
from ml.training.train_data import bundle_arrays

BATCH_SIZE = 64


def folder_descriptions(classifier, folder: Path) -> list[dict[str, float]]:
    """The descriptors of every image of an image-folder tree, framed as the classifier frames."""
    _, items = data.scan_image_folder(folder, classifier.labels)
    descriptions = []
    for start in range(0, len(items), BATCH_SIZE):
        images = [load_image(path) for path, _ in items[start : start + BATCH_SIZE]]
        descriptions.extend(appearance.describe_batch(classifier.model_input(images)))
    return descriptions


def store_training_summary(bundle_dir: Path) -> dict:
    """Summarise the bundle's training split and write it into bundle.json."""
    _, arrays = bundle_arrays(bundle_dir)
    training = appearance.training_summary(arrays["train"][0])
    update_bundle_metadata(bundle_dir, {"training_appearance": training})
    return training


def folder_report(descriptions: list[dict], folder: Path, reference: dict | None, window: int):
    lab = appearance.medians(descriptions)
    report = {"data": {"path": str(folder), **appearance.summarise(descriptions), "medians": lab}}
    if reference is None:
        return {**report, "outside_reference_range": None}
    report["outside_reference_range"] = appearance.outside_reference(lab, reference)
    report[f"flagged_share_of_{window}_image_windows"] = appearance.window_flag_rate(
        descriptions, reference, window
    )
    return report


def appearance_report(
    bundle_dir: Path,
    data_dir: Path | None,
    reference_dir: Path | None = None,
    store: bool = False,
    window: int = 50,
) -> dict:
    """The bundle's name, its stored (or just computed) training summary, and with `data_dir`,
    that folder's medians against the training images (or against `reference_dir`'s)."""
    classifier = load_classifier(bundle_dir)
    report: dict = {"model": classifier.name}
    if store:
        report["training_appearance"] = store_training_summary(bundle_dir)
    reference = read_bundle_metadata(bundle_dir).get("training_appearance")
    if reference_dir:
        reference = appearance.summarise(folder_descriptions(classifier, reference_dir))
        report["reference"] = {"path": str(reference_dir), **reference}
    if data_dir:
        descriptions = folder_descriptions(classifier, data_dir)
        report.update(folder_report(descriptions, data_dir, reference, window))
    return report
