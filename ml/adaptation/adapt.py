"""Adapt a bundle to a new lab from the lab's own images: unlabelled (self-training), a few
labelled by its reviewers, or both.

    python -m ml adapt --model pbc8 --images /srv/lab-uploads --out runs/pbc8-mylab \
        [--labelled REVIEWED_TREE] [--teacher BUNDLE ...] [--shares 0.5,0.75] [--epochs 2]

The cross-lab protocol (research/cross_lab/README.md) found that a model trained in one lab gains
most in another when it labels that lab's images itself and trains on the surest of them, round
after round (ml/adaptation/self_training.py); other models that vote beside it (`--teacher`,
repeatable, same labels: one that frames cells differently, or the same recipe trained with other
seeds) make those pseudo-labels more often right. This command does that to a shipped bundle: each
round keeps the given share of each predicted class, adds those images to the bundle's own training
split and fine-tunes again, with early stopping, temperature and threshold on the bundle's
validation split. No label of the lab's unlabelled images is read: there is none.

`--labelled` adds what self-training cannot: cells of the new lab labelled by its reviewers (a tree
of one folder per class, such as `manage.py export_feedback` writes). They join the bundle's
training split, repeated to about a fifth of it (ml/adaptation/few_shot.py), in every round; with no
`--images`, one fine-tuning stage runs on them. The cross-lab protocol measures how many a lab needs
(research/cross_lab/README.md).

`--held-out TREE` (cells of the lab never trained on, same layout) writes adaptation_report.json
into the bundle (ml/adaptation/held_out.py): the parent and the adapted model on those cells and
on the bundle's test split (a class-balanced sample of it with `--limit-per-class`), and whether
the test accuracy stayed within a point. `--progress-file F` appends JSON lines of progress
(ml/adaptation/progress.py) for a watcher such as the portal's train worker. For a lab's own box,
`--limit-per-class 50 --train-last-layers 20` replays a small class-balanced sample of the
original training data and moves only the backbone's last layers (docs/ml/README.md).

The result is a new bundle, not a replacement. Before a lab admin makes it the lab's model, it
must be checked on the lab's own reviewed cases (`python -m ml evaluate --model OUT --data
REVIEWED_TREE`): on two seeds of five the protocol's self-trained models stayed below 0.85.
"""

import json
import time
from collections import Counter
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import keras
import numpy as np

from ml.adaptation import held_out
from ml.adaptation.few_shot import SHOT_SHARE, with_shots
from ml.adaptation.held_out import MAX_TEST_DROP
from ml.adaptation.progress import TRAIN_END, EpochProgress, ProgressFile
from ml.adaptation.self_training import mean_probabilities, self_train
from ml.serving import BundleError, read_bundle_metadata, resolve_bundle
from ml.serving.preprocess import IMAGE_EXTENSIONS
from ml.training import data, paths
from ml.training.bundle_writer import write_training_bundle
from ml.training.model import predict_logits
from ml.training.stages import fit_stages, set_seeds
from ml.training.train_data import config_from_bundle, load_arrays

DEFAULT_SHARES = (0.5, 0.75)  # the two rounds that gained most in the cross-lab protocol


def lab_images(folder: Path) -> list[Path]:
    """Every image file under `folder` (any depth, any class folders or none), sorted."""
    if not folder.is_dir():
        raise ValueError(f"{folder}: not a folder")
    found = sorted(
        path
        for path in folder.rglob("*")
        if path.is_file()
        and path.suffix.lower() in IMAGE_EXTENSIONS
        and not any(part.startswith(".") for part in path.relative_to(folder).parts)
    )
    if not found:
        raise ValueError(f"{folder}: no images found (expected {', '.join(IMAGE_EXTENSIONS)})")
    return found


def parse_shares(text: str) -> list[float]:
    shares = [float(part) for part in text.split(",") if part.strip()]
    if not shares or not all(0.0 < share <= 1.0 for share in shares):
        raise ValueError(f"--shares: each round's share must be in (0, 1], got {text!r}")
    return shares


def labelled_cells(folder: Path, labels: list[str]) -> tuple[list[Path], np.ndarray]:
    """The reviewed cells of a class-folder tree (folder names matched to `labels`)."""
    _, items = data.scan_image_folder(folder, labels)
    return [path for path, _ in items], np.array([label for _, label in items], dtype=np.int64)


def load_model_bundle(name_or_path: str) -> tuple[Path, dict]:
    """(bundle folder, bundle.json) of a bundle whose Keras model can be trained further."""
    bundle_dir = resolve_bundle(name_or_path)
    return bundle_dir, read_bundle_metadata(bundle_dir, verify_files=("model.keras",))


def decoded_for(metadata: dict, images: list[Path]) -> np.ndarray:
    """The images framed and sized as this bundle's model expects them."""
    size, rule = int(metadata["input"]["size"]), metadata["input"]["resize"]
    return data.decode_images(images, size, description=f"decode for {metadata['name']}", rule=rule)


@dataclass
class AdaptationRequest:
    """What `python -m ml adapt` asks for (see the module docstring)."""

    model: str
    out: Path
    images: Path | None = None
    labelled: Path | None = None
    teachers: list[str] = field(default_factory=list)
    shares: list[float] = field(default_factory=lambda: list(DEFAULT_SHARES))
    epochs: int = 2
    limit_per_class: int | None = None
    data: Path | None = None
    name: str | None = None
    seed: int = 1
    held_out: Path | None = None
    progress_file: Path | None = None
    train_last_layers: int = 0
    max_test_drop: float = MAX_TEST_DROP
    shot_share: float = SHOT_SHARE
    keep_last: bool = False
    learning_rate: float | None = None
    consistency: bool = True


def check_request(request: AdaptationRequest) -> None:
    """Refuse, before anything is decoded, a request that cannot give a new bundle."""
    if (Path(request.out) / "bundle.json").exists():
        raise ValueError(f"{request.out}: a bundle is already there; choose another --out")
    if not request.images and not request.labelled:
        raise ValueError("give the lab's images: --images, --labelled or both")
    if request.teachers and not request.images:
        raise ValueError("--teacher votes on pseudo-labels of --images: give --images too")
    if request.held_out and request.images:
        raise ValueError("--held-out scores a labelled adaptation: leave out --images")


def adapt(request: AdaptationRequest) -> Path:
    """Fine-tune the bundle's model on the lab's images (pseudo-labelled, labelled or both);
    write and return the new bundle."""
    started = time.monotonic()
    check_request(request)
    progress = ProgressFile(request.progress_file)
    progress.write("decode", 1.0)
    bundle_dir, metadata = load_model_bundle(request.model)
    teachers = checked_teachers(request.teachers, metadata)
    found = lab_images(Path(request.images)) if request.images else []
    labelled = (
        labelled_cells(Path(request.labelled), metadata["labels"]) if request.labelled else None
    )
    config = adaptation_config(bundle_dir, metadata, request)
    splits, arrays = load_arrays(config)
    model = keras.models.load_model(bundle_dir / "model.keras")
    fit_arrays, labelled_counts = with_labelled_cells(
        labelled, metadata, splits.labels, arrays, request.shot_share
    )
    held_out_arrays = held_out_cells(request.held_out, metadata)
    before = report_scores(model, held_out_arrays, arrays["test"], splits.labels)
    progress.write("train", 10.0)
    if found:
        rounds, history = self_training_rounds(
            model, metadata, teachers, found, request.shares, fit_arrays, config, splits.labels
        )
    else:
        history = train_on_cells(model, config, fit_arrays, splits.labels, request, progress)
        rounds = []
    progress.write("evaluate", TRAIN_END)
    report = None
    if request.held_out:
        after = report_scores(model, held_out_arrays, arrays["test"], splits.labels)
        report = {"labels": splits.labels, "before": before, "after": after}
        report.update(held_out.verdict(before["test"], after["test"], request.max_test_drop))
    adaptation = {
        "from": {key: metadata[key] for key in ("name", "created", "split_hash")},
        "teachers": [teacher["name"] for _, teacher in teachers],
        "lab_images": len(found),
        "labelled_cells": labelled_counts,
        "rounds": rounds,
    }
    if report is not None:
        adaptation["held_out"] = held_out_lineage(report)
    bundle = write_training_bundle(
        Path(request.out),
        model=model,
        config={**asdict(config), "adaptation": adaptation},
        splits=splits,
        arrays=arrays,
        # The bundle's figures stay on its own splits, without the lab's cells.
        logits={split: predict_logits(model, arrays[split][0]) for split in data.SPLITS},
        history=history,
        initialisation=metadata["initialisation"],
        timing={"total_seconds": round(time.monotonic() - started, 1)},
    )
    if report is not None:
        report_path = bundle / "adaptation_report.json"
        report_path.write_text(json.dumps(report, indent=2), encoding="utf-8")
    progress.write("done", 100.0)
    return bundle


def train_on_cells(
    model,
    config,
    fit_arrays,
    labels: list[str],
    request: AdaptationRequest,
    progress: ProgressFile,
) -> dict:
    """Fine-tune on the lab's labelled cells mixed with the replayed sample; the history."""
    set_seeds(config.seed)
    watcher = EpochProgress(progress, config.epochs + config.fine_tune_epochs)
    return fit_stages(
        model,
        config,
        fit_arrays,
        len(labels),
        callbacks=[watcher],
        early_stopping=not request.keep_last,
    )


def held_out_lineage(report: dict) -> dict:
    """What the adapted bundle records of its held-out report: the verdict and the accuracies."""
    return {key: report[key] for key in ("accepted", "test_drop", "reason")} | {
        "accuracy_before": report["before"]["held_out"]["accuracy"],
        "accuracy_after": report["after"]["held_out"]["accuracy"],
    }


def held_out_cells(folder: Path | None, metadata: dict) -> tuple[np.ndarray, np.ndarray] | None:
    """The lab's held-out cells, decoded as the model expects, or None without --held-out."""
    if folder is None:
        return None
    cell_paths, targets = labelled_cells(Path(folder), metadata["labels"])
    return decoded_for(metadata, cell_paths), targets


def report_scores(model, held_out_arrays, test_arrays, labels: list[str]) -> dict:
    """The model's scores on the held-out cells (if any) and on the (sampled) test split."""
    if held_out_arrays is None:
        return {}
    return {
        "held_out": held_out.scores(model, *held_out_arrays, labels),
        "test": held_out.scores(model, *test_arrays, labels),
    }


def with_labelled_cells(
    labelled, metadata: dict, labels: list[str], arrays: dict, share: float = SHOT_SHARE
):
    """(the arrays to fit on, with the reviewed cells repeated into the training split; how
    many cells of each class were added). `labelled` is labelled_cells' (paths, targets)."""
    if not labelled:
        return dict(arrays), {}
    cell_paths, targets = labelled
    shot_images = decoded_for(metadata, cell_paths)
    fit_arrays = {**arrays, "train": with_shots(arrays["train"], shot_images, targets, share)}
    return fit_arrays, dict(Counter(labels[label] for label in targets))


def checked_teachers(names, metadata: dict) -> list[tuple[Path, dict]]:
    """(folder, bundle.json) of each teacher bundle; its labels must be the model's."""
    teachers = []
    for name in names:
        teacher_dir, teacher = load_model_bundle(name)
        if teacher["labels"] != metadata["labels"]:
            raise BundleError(
                f"--teacher {name}: its labels {teacher['labels']} must be the model's "
                f"{metadata['labels']}"
            )
        teachers.append((teacher_dir, teacher))
    return teachers


def adaptation_config(bundle_dir: Path, metadata: dict, request: AdaptationRequest):
    """The bundle's own recipe on its own splits, fine-tuning only; a refit's validation split
    is held out again here, for early stopping and a fresh temperature."""
    config = config_from_bundle(bundle_dir, request.data)
    if request.data is None and not Path(config.data).is_dir():  # trained on another machine
        config.data = str(paths.default_data_dir())
    config = replace(
        config,
        name=request.name or f"{metadata['name']}-adapted",
        out=str(request.out),
        epochs=0,
        fine_tune_epochs=request.epochs,
        refit_from=None,
        init_from=None,
        seed=request.seed,
        fine_tune_last_layers=request.train_last_layers,
    )
    if request.limit_per_class is not None:
        config.limit_per_class = request.limit_per_class
    if request.learning_rate is not None:
        config.fine_tune_learning_rate = request.learning_rate
    if not request.consistency:
        config.consistency = 0.0
    return config


def self_training_rounds(
    model, metadata, teachers, found, shares, arrays, config, labels
) -> tuple[list[dict], dict]:
    """One self-training round per share, pseudo-labels voted by the model and its teachers
    (each seeing the lab's images framed its own way); returns the rounds and the history."""
    images = decoded_for(metadata, found)
    voters = [(model, images)]
    for teacher_dir, teacher in teachers:
        teacher_model = keras.models.load_model(teacher_dir / "model.keras")
        voters.append((teacher_model, decoded_for(teacher, found)))
    rounds, history = [], {}
    for share in shares:
        set_seeds(config.seed)
        probs = mean_probabilities(voters)
        indices, pseudo, fitted = self_train(
            model, arrays, images, probs, share, config, len(labels)
        )
        for key, values in fitted.items():
            if isinstance(values, list):  # the rounds' epochs, one after another
                history.setdefault(key, []).extend(values)
        counts = Counter(labels[label] for label in pseudo)
        rounds.append({"share": share, "images": int(len(indices)), "pseudo_labels": counts})
        print(json.dumps({"round": len(rounds), **rounds[-1]}), flush=True)
    return rounds, history
