"""`python -m ml <command>`: train, evaluate, predict, explain, bench, export, split, selective,
tta, appearance, adapt, fields.

Each command lives in its own module, ml/cli/<command>.py, with `add_arguments(parser)` and
`run(args) -> int`; the module is imported only when its command runs, so `predict` never pays for
TensorFlow's import. What a user can get wrong (a bundle name, a path, an unreadable image, data
that does not fit the model) ends every command the same way: one "error:" line on stderr and exit
status 2.
"""

import argparse
import importlib
import os
import sys

from ml.serving import BundleError, ImageDecodeError

# ValueError covers the loaders' refusals (an unknown class folder, a non-image, no images).
USER_ERRORS = (BundleError, ImageDecodeError, OSError, ValueError)

COMMANDS = {
    "train": "train a model and write its bundle",
    "evaluate": "score a bundle on an image-folder tree or a dataset split",
    "predict": "classify image files with a bundle",
    "explain": "Grad-CAM overlay for one image",
    "bench": "measure TFLite latency of a bundle",
    "export": "write TFLite (float32 or int8) files into a bundle",
    "split": "write the committed split files ml/splits/{pbc,kaggle}.csv",
    "selective": "coverage against accuracy; confidence summary of a bundle",
    "tta": "choose test-time augmentation on validation and write it into a bundle",
    "appearance": "how images look next to a bundle's training images",
    "adapt": "self-train a bundle on a new lab's unlabelled images",
    "fields": "the cell detector: train, evaluate, predict on whole smear fields",
}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(prog="python -m ml", description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=sorted(COMMANDS), help="what to do")
    if not argv or argv[0] in ("-h", "--help") or argv[0] not in COMMANDS:
        parser.parse_args(argv[:1] or ["--help"])
        return 2
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # before any TensorFlow import
    command, rest = argv[0], argv[1:]
    description = COMMANDS[command]
    module = importlib.import_module(f"ml.cli.{command}")
    sub_parser = argparse.ArgumentParser(prog=f"python -m ml {command}", description=description)
    module.add_arguments(sub_parser)
    args = sub_parser.parse_args(rest)
    try:
        return module.run(args)
    except USER_ERRORS as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
