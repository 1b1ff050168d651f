"""Adapt a bundle to a new lab from the lab's own images: unlabelled (self-training), a few
labelled by its reviewers, or both.

    python -m ml adapt --model pbc8 --images /srv/lab-uploads --out runs/pbc8-mylab \
        [--labelled REVIEWED_TREE] [--teacher BUNDLE ...] [--shares 0.5,0.75] [--epochs 2]

The cross-lab protocol (docs/cross-lab.md) found that a model trained in one lab gains most in
another when it labels that lab's images itself and trains on the surest of them, round after
round (ml/self_training.py); other models that vote beside it (`--teacher`, repeatable, same
labels: one that frames cells differently, or the same recipe trained with other seeds) make
those pseudo-labels more often right. This command does that to a shipped bundle:
each round keeps the given share of each predicted class, adds those images to the bundle's own
training split and fine-tunes again, with early stopping, temperature and threshold on the
bundle's validation split. No label of the lab's unlabelled images is read: there is none.

`--labelled` adds what self-training cannot: cells of the new lab labelled by its reviewers (a
tree of one folder per class, such as `manage.py export_feedback` writes). They join the
bundle's training split, repeated to about a fifth of it (ml/few_shot.py), in every round; with
no `--images`, one fine-tuning stage runs on them. The cross-lab protocol measures how many
a lab needs (docs/cross-lab-sessions.md, session 13).

The result is a new bundle, not a replacement. Before a lab admin makes it the lab's model, it
must be checked on the lab's own reviewed cases (`python -m ml evaluate --model OUT --data
REVIEWED_TREE`): on two seeds of five the protocol's self-trained models stayed below 0.85.
"""

import argparse
import json
import time
from collections import Counter
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np

from ml import data, paths
from ml.bundle import BundleError, read_bundle_metadata, resolve_bundle
from ml.preprocess import IMAGE_EXTENSIONS

DEFAULT_SHARES = (0.5, 0.75)  # the two rounds that worked best in docs/cross-lab-sessions.md


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


def adapt(args: argparse.Namespace) -> Path:
    """Fine-tune the bundle's model on the lab's images (pseudo-labelled, labelled or both);
    write and return the new bundle."""
    import keras

    from ml.bundle_writer import write_training_bundle
    from ml.few_shot import with_shots
    from ml.model import predict_logits
    from ml.train import fit_stages, set_seeds
    from ml.train_data import load_arrays

    started = time.monotonic()
    shares = parse_shares(args.shares)
    out = Path(args.out)
    if (out / "bundle.json").exists():
        raise ValueError(f"{out}: a bundle is already there; choose another --out")
    if not args.images and not args.labelled:
        raise ValueError("give the lab's images: --images, --labelled or both")
    if args.teacher and not args.images:
        raise ValueError("--teacher votes on pseudo-labels of --images: give --images too")
    bundle_dir, metadata = load_model_bundle(args.model)
    teachers = checked_teachers(args.teacher or (), metadata)
    found = lab_images(Path(args.images)) if args.images else []
    labelled = labelled_cells(Path(args.labelled), metadata["labels"]) if args.labelled else None
    config = adaptation_config(bundle_dir, metadata, args)
    splits, arrays = load_arrays(config)
    model = keras.models.load_model(bundle_dir / "model.keras")
    fit_arrays, labelled_counts = dict(arrays), {}  # the bundle's figures stay on its own splits
    if labelled:
        cell_paths, targets = labelled
        shot_images = decoded_for(metadata, cell_paths)
        fit_arrays["train"] = with_shots(arrays["train"], shot_images, targets)
        labelled_counts = dict(Counter(splits.labels[label] for label in targets))
    rounds, history = [], {}
    if found:
        rounds, history = self_training_rounds(
            model, metadata, teachers, found, shares, fit_arrays, config, splits.labels
        )
    else:
        set_seeds(config.seed)
        history = fit_stages(model, config, fit_arrays, len(splits.labels))
    logits = {split: predict_logits(model, arrays[split][0]) for split in data.SPLITS}
    adaptation = {
        "from": {key: metadata[key] for key in ("name", "created", "split_hash")},
        "teachers": [teacher["name"] for _, teacher in teachers],
        "lab_images": len(found),
        "labelled_cells": labelled_counts,
        "rounds": rounds,
    }
    return write_training_bundle(
        out,
        model=model,
        config={**asdict(config), "adaptation": adaptation},
        splits=splits,
        arrays=arrays,
        logits=logits,
        history=history,
        initialisation=metadata["initialisation"],
        timing={"total_seconds": round(time.monotonic() - started, 1)},
    )


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


def adaptation_config(bundle_dir: Path, metadata: dict, args: argparse.Namespace):
    """The bundle's own recipe on its own splits, fine-tuning only; a refit's validation split
    is held out again here, for early stopping and a fresh temperature."""
    from ml.train_data import config_from_bundle

    config = config_from_bundle(bundle_dir, args.data)
    if args.data is None and not Path(config.data).is_dir():  # trained on another machine
        config.data = str(paths.default_data_dir())
    config = replace(
        config,
        name=args.name or f"{metadata['name']}-adapted",
        out=str(args.out),
        epochs=0,
        fine_tune_epochs=args.epochs,
        refit_from=None,
        init_from=None,
        seed=args.seed,
    )
    if args.limit_per_class is not None:
        config.limit_per_class = args.limit_per_class
    return config


def self_training_rounds(
    model, metadata, teachers, found, shares, arrays, config, labels
) -> tuple[list[dict], dict]:
    """One self-training round per share, pseudo-labels voted by the model and its teachers
    (each seeing the lab's images framed its own way); returns the rounds and the history."""
    import keras

    from ml.self_training import mean_probabilities, self_train
    from ml.train import set_seeds

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


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", required=True, help="bundle folder or shipped name (pbc8)")
    parser.add_argument("--images", help="the lab's unlabelled images (any tree)")
    parser.add_argument(
        "--labelled",
        help="cells of the lab labelled by its reviewers: one folder per class (export_feedback)",
    )
    parser.add_argument("--out", required=True, help="folder for the adapted bundle")
    parser.add_argument(
        "--teacher",
        action="append",
        help="another bundle with the same labels that also votes (repeat for several)",
    )
    parser.add_argument(
        "--shares",
        default=",".join(str(s) for s in DEFAULT_SHARES),
        help="one self-training round per share of each predicted class (default 0.5,0.75)",
    )
    parser.add_argument("--epochs", type=int, default=2, help="fine-tuning epochs per round")
    parser.add_argument(
        "--limit-per-class",
        type=int,
        help="at most this many images per class in each of the bundle's splits (faster; "
        "its figures then cover a sample); default: the bundle's own setting",
    )
    parser.add_argument(
        "--data", type=Path, help="the bundle's training data (default: where it was trained)"
    )
    parser.add_argument("--name", help="the adapted bundle's name (default <model>-adapted)")
    parser.add_argument("--seed", type=int, default=1)


def run(args: argparse.Namespace) -> int:
    bundle = adapt(args)
    metrics = json.loads((bundle / "metrics.json").read_text(encoding="utf-8"))
    print(
        f"adapted bundle: {bundle} (own test split accuracy {metrics['test']['accuracy']:.4f}).\n"
        "Check it on the lab's reviewed cases before using it: "
        f"python -m ml evaluate --model {bundle} --data REVIEWED_TREE"
    )
    return 0
