"""The entry point every study shares: parse its options, run it, and end a user's mistake
(a bundle name, a path, an unreadable image) with one "error:" line and exit status 2, as
`python -m ml` does."""

import argparse
import os
import sys
from collections.abc import Callable

from ml.serving import BundleError, ImageDecodeError

USER_ERRORS = (BundleError, ImageDecodeError, OSError, ValueError)


def run_study(
    prog: str,
    description: str,
    add_arguments: Callable[[argparse.ArgumentParser], None],
    run: Callable[[argparse.Namespace], int],
    argv: list[str] | None = None,
) -> int:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    parser = argparse.ArgumentParser(prog=prog, description=description)
    add_arguments(parser)
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    try:
        return run(args)
    except USER_ERRORS as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
