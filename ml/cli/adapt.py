"""`python -m ml adapt`: self-train a bundle on a new lab's images (ml/adaptation/adapt.py)."""

import argparse
import json
from pathlib import Path

from ml.adaptation.adapt import DEFAULT_SHARES, AdaptationRequest, adapt, parse_shares
from ml.adaptation.few_shot import SHOT_SHARE


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
    parser.add_argument(
        "--held-out",
        help="the lab's cells never trained on (one folder per class): writes "
        "adaptation_report.json into the bundle",
    )
    parser.add_argument(
        "--max-test-drop",
        type=float,
        default=0.01,
        help="refuse the result when its test split accuracy drops by more (default 0.01)",
    )
    parser.add_argument("--progress-file", type=Path, help="append JSON lines of progress here")
    parser.add_argument(
        "--train-last-layers",
        type=int,
        default=0,
        help="fine-tune only this many of the backbone's last layers (default 0: all of it)",
    )
    parser.add_argument(
        "--shot-share",
        type=float,
        default=SHOT_SHARE,
        help=f"the labelled cells' share of the training images (default {SHOT_SHARE})",
    )
    parser.add_argument(
        "--learning-rate",
        type=float,
        help="the fine-tuning learning rate (default: the bundle's own)",
    )
    parser.add_argument(
        "--no-consistency",
        action="store_true",
        help="fine-tune without the bundle's consistency loss (half the work per batch)",
    )
    parser.add_argument(
        "--keep-last",
        action="store_true",
        help="keep the last epoch's weights (default: the best on the bundle's validation split)",
    )


def run(args: argparse.Namespace) -> int:
    request = AdaptationRequest(
        model=args.model,
        out=Path(args.out),
        images=Path(args.images) if args.images else None,
        labelled=Path(args.labelled) if args.labelled else None,
        teachers=list(args.teacher or ()),
        shares=parse_shares(args.shares),
        epochs=args.epochs,
        limit_per_class=args.limit_per_class,
        data=args.data,
        name=args.name,
        seed=args.seed,
        held_out=Path(args.held_out) if args.held_out else None,
        progress_file=args.progress_file,
        train_last_layers=args.train_last_layers,
        max_test_drop=args.max_test_drop,
        shot_share=args.shot_share,
        keep_last=args.keep_last,
        learning_rate=args.learning_rate,
        consistency=not args.no_consistency,
    )
    bundle = adapt(request)
    metrics = json.loads((bundle / "metrics.json").read_text(encoding="utf-8"))
    report_path = bundle / "adaptation_report.json"
    if report_path.exists():
        report = json.loads(report_path.read_text(encoding="utf-8"))
        before, after = report["before"], report["after"]
        print(
            f"held-out cells: {before['held_out']['accuracy']:.4f} -> "
            f"{after['held_out']['accuracy']:.4f}; test split: {before['test']['accuracy']:.4f} "
            f"-> {after['test']['accuracy']:.4f}; accepted: {report['accepted']} {report['reason']}"
        )
    print(
        f"adapted bundle: {bundle} (own test split accuracy {metrics['test']['accuracy']:.4f}).\n"
        "Check it on the lab's reviewed cases before using it: "
        f"python -m ml evaluate --model {bundle} --data REVIEWED_TREE"
    )
    return 0
