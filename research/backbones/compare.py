"""`python -m research.backbones`: train several backbones under one protocol and compare them.

    python -m research.backbones --dataset pbc --backbones mobilenet_025,vit --epochs 3 \\
        --image-size 96 --limit-per-class 200 --val-limit-per-class 100 --out runs/compare-pbc

Every run gets the same split, augmentation, schedule and seed: the split is the committed one, cut
once to at most --limit-per-class images per class in train (--val-limit-per-class in validation;
the test split is kept whole) and saved as DIR/split.csv. ml.training.train.train trains each
backbone (--head-epochs with the backbone frozen, then --epochs of fine-tuning), scores the test
split once and writes its bundle to DIR/bundles/<backbone>-seed<seed>. ml.training.bench then times
the bundle's TFLite model one image at a time, decoding included, as serving runs it.

Each finished run is one JSON line in DIR/results.jsonl. A rerun skips the runs found there, so an
interrupted comparison resumes where it stopped; DIR/protocol.json pins the protocol, and a rerun
with another protocol is refused. Tables and plot: research/backbones/report.py.
"""

import argparse
import json
import os
import random
import shutil
import sys
import time
from pathlib import Path

from ml.training import data, paths
from research.backbones.candidates import register_candidates

RESULTS_FILE = "results.jsonl"
PROTOCOL_FILE = "protocol.json"
SPLIT_FILE = "split.csv"
BUNDLES_FOLDER = "bundles"
SUBSET_SEED = 0  # fixed, so that every seed trains on the same images
# TrainConfig fields that each run or the command line sets; the others are the pinned recipe.
RUN_FIELDS = {
    "dataset", "backbone", "out", "data", "name", "image_size", "epochs", "fine_tune_epochs",
    "batch_size", "learning_rate", "fine_tune_learning_rate", "clipnorm", "seed", "labels",
    "split_csv", "limit_per_class", "extra_data",
}  # fmt: skip


class ProtocolMismatchError(ValueError):
    """The output directory holds results made under another protocol."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dataset", required=True, choices=("pbc", "kaggle", "folder"))
    parser.add_argument(
        "--backbones", required=True, help="comma-separated, e.g. mobilenet_025,vit"
    )
    parser.add_argument("--out", type=Path, required=True, help="directory for tables and bundles")
    parser.add_argument("--seeds", default="1", help="comma-separated training seeds (default 1)")
    parser.add_argument("--epochs", type=int, default=2, help="fine-tuning epochs (whole network)")
    parser.add_argument("--head-epochs", type=int, default=1, help="epochs with a frozen backbone")
    parser.add_argument("--image-size", type=int, default=96)
    parser.add_argument("--limit-per-class", type=int, default=0, help="train cap; 0 = all")
    parser.add_argument(
        "--val-limit-per-class", type=int, default=None, help="validation cap (default: as train)"
    )
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--learning-rate", type=float, default=1e-3, help="head-only stage")
    parser.add_argument("--fine-tune-learning-rate", type=float, default=3e-4)
    parser.add_argument("--clipnorm", type=float, default=1.0, help="gradient-norm clipping")
    parser.add_argument("--latency-runs", type=int, default=100, help="single-image bench runs")
    parser.add_argument("--data", type=Path, default=None, help="data dir (or the folder tree)")
    parser.add_argument("--labels", help="comma-separated labels (folder dataset)")
    parser.add_argument(
        "--split-csv", type=Path, help="split file to start from (class,file,split)"
    )


def parse_list(text: str) -> list[str]:
    return [item.strip() for item in text.split(",") if item.strip()]


def source_split_rows(args: argparse.Namespace, data_dir: Path) -> list[dict]:
    """Rows of the split to start from: --split-csv, the committed file, or a folder's."""
    if args.split_csv:
        return data.read_split_csv(args.split_csv)
    if args.dataset == "folder":
        labels = parse_list(args.labels) if args.labels else None
        labels, _ = data.scan_image_folder(data_dir, labels)
        return data.folder_split_rows(data_dir, labels)
    data.load_splits(args.dataset, data_dir)  # writes the committed split file if it is missing
    return data.read_split_csv(paths.SPLITS_DIR / f"{args.dataset}.csv")


def limit_split_rows(
    rows: list[dict], limit: int, val_limit: int | None = None, seed: int = SUBSET_SEED
) -> list[dict]:
    """At most `limit` rows per class in train (`val_limit` in val, default the same), a seeded
    choice; the rows left out become "excluded". A limit of 0 keeps the whole split."""
    limits = {"train": limit, "val": limit if val_limit is None else val_limit}
    rng = random.Random(seed)
    by_group: dict[tuple[str, str], list[int]] = {}
    for index, row in enumerate(rows):
        if limits.get(row["split"]):
            by_group.setdefault((row["split"], row["class"]), []).append(index)
    dropped = set()
    for split, label in sorted(by_group):
        indices = by_group[(split, label)]
        rng.shuffle(indices)
        dropped.update(indices[limits[split] :])
    return [
        {**row, "split": "excluded"} if index in dropped else dict(row)
        for index, row in enumerate(rows)
    ]


def prepare_split(args: argparse.Namespace, data_dir: Path, out: Path) -> Path:
    """DIR/split.csv: written once, then reused by every run and every rerun."""
    split_csv = out / SPLIT_FILE
    if not split_csv.is_file():
        rows = source_split_rows(args, data_dir)
        rows = limit_split_rows(rows, args.limit_per_class, args.val_limit_per_class)
        data.write_split_csv(split_csv, rows, tuple(rows[0]))
    return split_csv


def split_counts(split_csv: Path) -> dict[str, int]:
    rows = data.read_split_csv(split_csv)
    return {split: sum(row["split"] == split for row in rows) for split in data.SPLITS}


def recipe_defaults() -> dict:
    """The rest of the training recipe (weight decay, dropout, augmentation...) at today's
    defaults.

    It is pinned in DIR/protocol.json, so a later change of those defaults cannot creep into the
    middle of a comparison.
    """
    from dataclasses import MISSING, fields

    from ml.training.augment import AugmentConfig
    from ml.training.train_data import TrainConfig

    recipe = {
        f.name: f.default
        for f in fields(TrainConfig)
        if f.name not in RUN_FIELDS and f.default is not MISSING
    }
    recipe["augment"] = AugmentConfig().as_dict()
    return recipe


def make_protocol(args: argparse.Namespace, split_csv: Path) -> dict:
    """Everything that must be equal for two runs to be compared (not the backbone or seed)."""
    rows = data.read_split_csv(split_csv)
    return {
        "dataset": args.dataset,
        "image_size": args.image_size,
        "head_epochs": args.head_epochs,
        "fine_tune_epochs": args.epochs,
        "batch_size": args.batch_size,
        "learning_rate": args.learning_rate,
        "fine_tune_learning_rate": args.fine_tune_learning_rate,
        "clipnorm": args.clipnorm,
        "limit_per_class": args.limit_per_class,
        "val_limit_per_class": args.val_limit_per_class,
        "subset_seed": SUBSET_SEED,
        "split_hash": data.split_file_hash(rows),
        "images": split_counts(split_csv),
        "latency": {"runs": args.latency_runs, "num_threads": 1, "includes": "decode + resize"},
        "recipe": recipe_defaults(),
    }


def check_protocol(out: Path, protocol: dict) -> dict:
    """The protocol to run under: DIR/protocol.json if there is one (refused when it differs from
    the command line), else `protocol`, written there."""
    from ml.serving.bundle import write_json_atomic

    path = out / PROTOCOL_FILE
    if not path.is_file():
        write_json_atomic(path, protocol)
        return protocol
    saved = json.loads(path.read_text(encoding="utf-8"))
    keys = ({*saved, *protocol}) - {"recipe"}
    changed = sorted(key for key in keys if saved.get(key) != protocol.get(key))
    if changed:
        raise ProtocolMismatchError(
            f"{out} holds results of another protocol (differs in {changed}); "
            "use another --out or delete that directory"
        )
    if saved["recipe"] != protocol["recipe"]:
        print(
            f"note: ml.training's defaults changed since {out} was started; keeping the pinned ones"
        )
    return saved


def load_results(out: Path) -> list[dict]:
    """Finished runs; a line cut short by an interruption is ignored."""
    path = out / RESULTS_FILE
    if not path.is_file():
        return []
    results = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            results.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return results


def append_result(out: Path, result: dict) -> None:
    path = out / RESULTS_FILE
    # A line cut short by an interruption has no newline; start a fresh line after it.
    cut_short = path.is_file() and not path.read_bytes().endswith(b"\n") and path.stat().st_size
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(("\n" if cut_short else "") + json.dumps(result) + "\n")
        handle.flush()
        os.fsync(handle.fileno())


def run_config(protocol: dict, backbone: str, seed: int, out: Path, data_dir: Path, labels):
    """The TrainConfig of one run: the protocol's settings and pinned recipe, this backbone/seed."""
    from dataclasses import fields

    from ml.training.train_data import TrainConfig

    known = {f.name for f in fields(TrainConfig)}
    recipe = {key: value for key, value in protocol["recipe"].items() if key in known}
    bundle_dir = out / BUNDLES_FOLDER / f"{backbone}-seed{seed}"
    return TrainConfig(
        dataset=protocol["dataset"],
        backbone=backbone,
        out=str(bundle_dir),
        data=str(data_dir),
        name=bundle_dir.name,
        image_size=protocol["image_size"],
        epochs=protocol["head_epochs"],
        fine_tune_epochs=protocol["fine_tune_epochs"],
        batch_size=protocol["batch_size"],
        learning_rate=protocol["learning_rate"],
        fine_tune_learning_rate=protocol["fine_tune_learning_rate"],
        clipnorm=protocol["clipnorm"],
        seed=seed,
        labels=labels,
        split_csv=str(out / SPLIT_FILE),
        **recipe,
    )


def train_bundle(config) -> Path:
    """Train one run with ml.training.train, or reuse the bundle an interrupted run finished."""
    from ml.serving.bundle import BundleError, read_bundle_metadata
    from ml.training.train import train

    bundle_dir = Path(config.out)
    try:
        read_bundle_metadata(bundle_dir)
        print(f"  bundle {bundle_dir} is complete; measuring it", flush=True)
        return bundle_dir
    except BundleError:
        shutil.rmtree(bundle_dir, ignore_errors=True)  # a run cut short: train it again
    return train(config)


def latency_image_dir(dataset: str, data_dir: Path) -> Path:
    """Real images of the dataset for the latency runs (the test images for Kaggle)."""
    if dataset == "pbc":
        return paths.pbc_images_dir(data_dir)
    if dataset == "kaggle":
        return paths.kaggle_images_dir(data_dir) / "TEST"
    return data_dir


def measure_bundle(bundle_dir: Path, image_dir: Path, latency_runs: int) -> dict:
    """Test scores, size, parameters, training time and TFLite single-image latency of a bundle."""
    import keras

    from ml.serving.classifier import load_classifier
    from ml.training.bench import bench

    metrics = json.loads((bundle_dir / "metrics.json").read_text(encoding="utf-8"))
    config = json.loads((bundle_dir / "config.json").read_text(encoding="utf-8"))
    metadata = json.loads((bundle_dir / "bundle.json").read_text(encoding="utf-8"))
    test = metrics["test"]
    model = keras.models.load_model(bundle_dir / "model.keras", compile=False)
    timing = bench(load_classifier(bundle_dir), image_dir, latency_runs, batch_size=32)
    megabytes = 1024 * 1024
    return {
        "initialisation": metadata["initialisation"],
        "accuracy": test["accuracy"],
        "macro_f1": test["macro_f1"],
        "recall": {label: scores["recall"] for label, scores in test["per_class"].items()},
        "test_images": test["images"],
        "tflite_keras_top1_agreement": test.get("tflite_keras_top1_agreement"),
        "parameters": int(model.count_params()),
        "bundle_mb": sum(p.stat().st_size for p in bundle_dir.iterdir() if p.is_file()) / megabytes,
        "tflite_mb": (bundle_dir / "model.tflite").stat().st_size / megabytes,
        "latency_ms_p50": timing["single_image_ms_p50"],
        "latency_ms_p95": timing["single_image_ms_p95"],
        "batch_images_per_s": timing["batch_images_per_s"],
        "train_seconds": config["training"]["timing"]["fit_seconds"],
        "total_seconds": config["training"]["timing"]["total_seconds"],
        "best_epoch": config["training"]["best_epoch"],
        "load_average": round(os.getloadavg()[0], 2),
    }


def run_comparison(args: argparse.Namespace) -> list[dict]:
    """Train and measure every (backbone, seed) not yet in DIR/results.jsonl; return all results."""
    backbones = parse_list(args.backbones)
    seeds = [int(seed) for seed in parse_list(args.seeds)]
    data_dir = Path(args.data or paths.default_data_dir()).resolve()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    split_csv = prepare_split(args, data_dir, out)
    protocol = check_protocol(out, make_protocol(args, split_csv))
    print(f"protocol: {json.dumps(protocol)}", flush=True)
    labels = parse_list(args.labels) if args.labels else None
    done = {(r["backbone"], r["seed"]) for r in load_results(out)}
    plan = [(backbone, seed) for backbone in backbones for seed in seeds]
    for number, (backbone, seed) in enumerate(plan, start=1):
        prefix = f"[{number}/{len(plan)}] {backbone} seed {seed}"
        if (backbone, seed) in done:
            print(f"{prefix}: done earlier, skipped", flush=True)
            continue
        print(f"{prefix}: training", flush=True)
        started = time.monotonic()
        bundle_dir = train_bundle(run_config(protocol, backbone, seed, out, data_dir, labels))
        result = {"backbone": backbone, "seed": seed, "bundle": str(bundle_dir.relative_to(out))}
        image_dir = latency_image_dir(args.dataset, data_dir)
        result.update(measure_bundle(bundle_dir, image_dir, args.latency_runs))
        append_result(out, result)
        print(
            f"{prefix}: accuracy {result['accuracy']:.4f}, macro-F1 {result['macro_f1']:.4f}, "
            f"{result['latency_ms_p50']:.1f} ms, {time.monotonic() - started:.0f} s",
            flush=True,
        )
    return load_results(out)


def run(args: argparse.Namespace) -> int:
    from ml.training.backbones import BACKBONES
    from research.backbones.report import write_report

    register_candidates()
    unknown = [name for name in parse_list(args.backbones) if name not in BACKBONES]
    if unknown:  # fail before hours of training, not in the middle
        print(
            f"error: unknown backbones {unknown}; choose from {sorted(BACKBONES)}", file=sys.stderr
        )
        return 2
    try:
        results = run_comparison(args)
    except ProtocolMismatchError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    protocol = json.loads((Path(args.out) / PROTOCOL_FILE).read_text(encoding="utf-8"))
    written = write_report(Path(args.out), results, protocol)
    print("wrote " + ", ".join(str(path) for path in written))
    return 0
