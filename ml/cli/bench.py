"""`python -m ml bench`: serving latency and throughput of a bundle's TFLite model
(ml/training/bench.py), a single-cell upload and a whole field through the cell finder
(ml/training/bench_field.py), and the seed's way beside it (ml/training/seed_bench.py)."""

import argparse
import json
from pathlib import Path

from ml.serving import load_classifier, load_detector
from ml.training.bench import bench, default_image_dir, sample_images
from ml.training.bench_field import default_field_dir, field_ms, routed_ms
from ml.training.data import list_images


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", default="default", help="bundle directory or name (default)")
    parser.add_argument("--data", type=Path, help="image-folder tree (default: PBC, else fixtures)")
    parser.add_argument("--runs", type=int, default=200, help="single-image runs (default 200)")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--num-threads", type=int, help="interpreter threads (default 1)")
    parser.add_argument(
        "--threads", type=int, default=2, help="interpreters on as many threads (default 2)"
    )
    parser.add_argument("--detector", default="fields", help="cell finder bundle (default)")
    parser.add_argument("--fields", type=Path, help="folder of field images (default: BCCD)")
    parser.add_argument("--field-runs", type=int, default=50)
    parser.add_argument(
        "--seed-way", action="store_true", help="also time the seed's Keras way (TensorFlow)"
    )
    parser.add_argument("--seed-runs", type=int, default=50)
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout")


def run(args: argparse.Namespace) -> int:
    classifier = load_classifier(args.model, num_threads=args.num_threads)
    image_dir = args.data or default_image_dir()
    result = bench(
        classifier,
        image_dir,
        args.runs,
        args.batch_size,
        make_classifier=lambda: load_classifier(args.model, num_threads=args.num_threads),
        threads=args.threads,
    )
    detector = load_detector(args.detector)
    # What a worker pays per single-cell upload: the cell finder runs before the classifier.
    cells = sample_images(image_dir, args.runs)
    result.update(routed_ms(detector, classifier, cells, args.runs, "routed_single_image"))
    field_dir = args.fields or default_field_dir()
    if field_dir is not None and args.field_runs > 0:
        fields = list_images(field_dir)[: args.field_runs]
        result.update(field_ms(detector, classifier, fields, args.field_runs))
    if args.seed_way:
        keras_model = classifier.bundle_dir / "model.keras"
        from ml.training.seed_bench import seed_way_ms

        paths = sample_images(image_dir, args.seed_runs)
        seed = seed_way_ms(keras_model, paths, classifier.image_size, args.seed_runs)
        result["seed_way_ms_p50"] = seed
        result["seed_way_over_ours"] = round(seed / result["single_image_ms_p50"], 1)
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key:<38}{value}")
    return 0
