"""One module per `python -m ml` command: `add_arguments(parser)` and `run(args) -> int`.

A command module parses its options and calls library code in ml.training, ml.adaptation,
ml.explain or ml.serving; it holds no logic of its own beyond printing the result.
"""
