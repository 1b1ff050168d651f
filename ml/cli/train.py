"""`python -m ml train`: train a model and write its bundle (ml/training/train.py).

    python -m ml train --dataset pbc --backbone mobilenet_025 --out runs/pbc8

The options say which data, which recipe, and whether to start from a bundle; they are checked
before minutes of decoding.
"""

import argparse
import json
import sys
from pathlib import Path

from ml.serving import resolve_bundle
from ml.serving.preprocess import RESIZE_RULES, STRETCH
from ml.training import paths
from ml.training.augment import AugmentConfig
from ml.training.backbones import BACKBONES, DEFAULT_BACKBONE
from ml.training.reencode import RESIZE_RANGE
from ml.training.train import train
from ml.training.train_data import TrainConfig


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_data_arguments(parser)
    add_recipe_arguments(parser)
    add_start_arguments(parser)


def add_data_arguments(parser: argparse.ArgumentParser) -> None:
    """Which images, split and output folder."""
    parser.add_argument("--dataset", required=True, choices=("pbc", "kaggle", "folder"))
    parser.add_argument("--data", type=Path, default=None, help="data dir (or the folder tree)")
    parser.add_argument("--out", type=Path, required=True, help="bundle directory to write")
    parser.add_argument("--name", default="", help="bundle name (default: the --out folder name)")
    parser.add_argument("--limit-per-class", type=int, default=0, help="for tiny runs; 0 = all")
    parser.add_argument(
        "--extra-data",
        action="append",
        default=[],
        help='more training images: "pbc" or "kaggle" (that train split, shared classes) or a '
        "class-folder tree",
    )
    parser.add_argument("--labels", help="comma-separated labels (folder dataset)")
    parser.add_argument("--split-csv", type=Path, help="split file (class,file,split)")


def add_recipe_arguments(parser: argparse.ArgumentParser) -> None:
    """The model and how it is trained."""
    parser.add_argument("--backbone", default=DEFAULT_BACKBONE, choices=sorted(BACKBONES))
    parser.add_argument("--epochs", type=int, default=3, help="head-only epochs (frozen backbone)")
    parser.add_argument("--fine-tune-epochs", type=int, default=20, help="0 skips fine-tuning")
    parser.add_argument("--image-size", type=int, default=224)
    parser.add_argument(
        "--resize",
        default=STRETCH,
        choices=RESIZE_RULES,
        help="framing: stretch the whole image, or crop a square around the stained cell",
    )
    parser.add_argument(
        "--augment",
        type=json.loads,
        default={},
        help="augmentation options as JSON, e.g. '{\"jpeg_probability\": 0.5}' "
        "(ml/training/augment.py)",
    )
    parser.add_argument(
        "--consistency",
        type=float,
        default=0.0,
        help="weight of a loss that pulls each image's prediction towards that of a re-saved or "
        "resized copy (ml/training/consistency.py; AugMix uses 12); each batch then holds both "
        "copies",
    )
    parser.add_argument(
        "--consistency-scales",
        help="LOW,HIGH: the range of resize factors of the re-encoded copies (log-uniform; "
        "default 0.5,2.0, the range `robustness` scores)",
    )
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    parser.add_argument("--fine-tune-learning-rate", type=float, default=3e-4)
    parser.add_argument("--patience", type=int, default=4)
    parser.add_argument("--warmup-epochs", type=int, default=0, help="fine-tuning warm-up")
    parser.add_argument("--clipnorm", type=float, default=None, help="clip gradient norm")
    parser.add_argument("--seed", type=int, default=1)


def add_start_arguments(parser: argparse.ArgumentParser) -> None:
    """Start from a bundle's weights, or repeat its recipe on train + val."""
    parser.add_argument(
        "--init-from",
        help="start from this bundle's weights (same labels and backbone); e.g. --epochs 0",
    )
    parser.add_argument(
        "--refit-from",
        help="repeat a recipe chosen on validation on train + val: every epoch runs, and this "
        "bundle's temperature, threshold and test-time views are kept",
    )


def parse_scales(text: str | None) -> list[float]:
    """ "LOW,HIGH" -> [LOW, HIGH], with 0 < LOW <= HIGH (ValueError otherwise); None -> the
    resize range that `python -m research.robustness` scores."""
    if text is None:
        return list(RESIZE_RANGE)
    try:
        low, high = (float(part) for part in text.split(","))
    except ValueError:
        message = f"--consistency-scales {text!r}: expected LOW,HIGH, e.g. 0.5,1.0"
        raise ValueError(message) from None
    if not 0 < low <= high:
        raise ValueError(f"--consistency-scales {text!r}: need 0 < LOW <= HIGH")
    return [low, high]


def train_config(args: argparse.Namespace) -> TrainConfig:
    data_dir = args.data or paths.default_data_dir()
    return TrainConfig(
        dataset=args.dataset,
        backbone=args.backbone,
        out=str(args.out),
        data=str(Path(data_dir).resolve()),
        name=args.name or Path(args.out).name,
        image_size=args.image_size,
        resize=args.resize,
        epochs=args.epochs,
        fine_tune_epochs=args.fine_tune_epochs,
        batch_size=args.batch_size,
        learning_rate=args.learning_rate,
        fine_tune_learning_rate=args.fine_tune_learning_rate,
        patience=args.patience,
        warmup_epochs=args.warmup_epochs,
        clipnorm=args.clipnorm,
        seed=args.seed,
        limit_per_class=args.limit_per_class,
        extra_data=list(args.extra_data),
        labels=args.labels.split(",") if args.labels else None,
        split_csv=str(args.split_csv) if args.split_csv else None,
        augment=args.augment,
        consistency=args.consistency,
        consistency_scales=parse_scales(args.consistency_scales),
        init_from=args.init_from,
        refit_from=args.refit_from,
    )


def check_options(config: TrainConfig) -> str | None:
    """What is wrong with the options, found before minutes of decoding; None if nothing."""
    try:
        AugmentConfig(**config.augment)
    except (TypeError, ValueError) as error:
        return f"--augment: {error}"
    if config.consistency < 0:
        return "--consistency must be 0 (off) or more"
    for bundle in filter(None, (config.init_from, config.refit_from)):
        resolve_bundle(bundle)  # a BundleError before minutes of decoding
    return None


def run(args: argparse.Namespace) -> int:
    config = train_config(args)
    problem = check_options(config)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    bundle_dir = train(config)
    print(f"bundle written to {bundle_dir}")
    return 0
