"""Test-time augmentation: average a model's logits over flips/90-degree rotations of a cell.

A smear has no "up", so each of the 8 dihedral views of a cell is the same cell; the model was
trained on all of them, and averaging its logits over several views steadies its answer. Each
extra view costs one more model run, so besides all 8 there are two sets of 4 (the rotations,
and the flips) that fit a tighter latency budget. Numpy only: the serving path uses it. Which set
a bundle uses is chosen on validation (`python -m ml tta`) and stored in bundle.json as
"test_time_augmentation".

Most cells need no second look: where the first view alone is at least
"test_time_exit_confidence" sure (bundle.json, chosen by `python -m ml tta --exit-confidence` on
cells the model never trained on, as the lowest level at which no answer and no "unidentified"
flag differs from every view's), the classifier stops there and runs the other views only for
the rest (ml/serving/classifier.py). pbc8 answers about eight PBC cells in ten from one view.
"""

from collections.abc import Callable

import numpy as np

NONE = "none"
ROTATIONS4 = "rot4"
FLIPS4 = "flip4"
DIHEDRAL8 = "dihedral8"

# A view is (transpose, flip rows, flip columns), applied in that order.
_VIEWS: dict[str, tuple[tuple[bool, bool, bool], ...]] = {
    NONE: ((False, False, False),),
    # 0, 90, 180 and 270 degrees: a transpose plus one flip is a quarter turn.
    ROTATIONS4: (
        (False, False, False),
        (True, False, True),
        (False, True, True),
        (True, True, False),
    ),
    FLIPS4: (
        (False, False, False),
        (False, False, True),
        (False, True, False),
        (False, True, True),
    ),
    DIHEDRAL8: tuple(
        (t, r, c) for t in (False, True) for r in (False, True) for c in (False, True)
    ),
}
CHOICES = tuple(_VIEWS)


def view_count(tta: str) -> int:
    if tta not in _VIEWS:
        raise ValueError(f"unknown test-time augmentation {tta!r}; known: {', '.join(CHOICES)}")
    return len(_VIEWS[tta])


def _view(batch: np.ndarray, transpose: bool, flip_rows: bool, flip_columns: bool) -> np.ndarray:
    view = np.swapaxes(batch, 1, 2) if transpose else batch
    view = view[:, ::-1] if flip_rows else view
    return view[:, :, ::-1] if flip_columns else view


def tta_views(batch: np.ndarray, tta: str) -> np.ndarray:
    """(kn, s, s, c): the k views of `tta` of each image of a (n, s, s, c) batch, view-major."""
    views = np.empty((view_count(tta) * len(batch), *batch.shape[1:]), dtype=batch.dtype)
    write_views(batch, tta, views)
    return views


def write_views(batch: np.ndarray, tta: str, out: np.ndarray, first_view: int = 0) -> None:
    """Write tta_views(batch, tta), from its `first_view` on, into `out` (a model's input buffer:
    no copy in between)."""
    count = len(batch)
    for index, flags in enumerate(_VIEWS[tta][first_view:]):
        out[index * count : (index + 1) * count] = _view(batch, *flags)


def expand(batch: np.ndarray, tta: str) -> np.ndarray:
    """The batch the model runs on: itself, or all its views."""
    return tta_views(batch, tta) if view_count(tta) > 1 else batch


def chunks(images: np.ndarray, tta: str, max_batch: int) -> list[np.ndarray]:
    """`images` cut so that each part's views make at most max_batch model inputs."""
    step = max(1, max_batch // view_count(tta))
    return [images[start : start + step] for start in range(0, len(images), step)]


def run_in_chunks(
    run: Callable[[np.ndarray], np.ndarray], images: np.ndarray, tta: str, max_batch: int
) -> list[np.ndarray]:
    """`run` (a model: batch -> logits) over `images`, averaged over the views of `tta`, in
    chunks of at most max_batch model inputs: all views of a split at once would not fit in memory.
    Returns the chunks' logits; the caller concatenates them."""
    return [average(run(expand(chunk, tta)), tta) for chunk in chunks(images, tta, max_batch)]


def average(logits: np.ndarray, tta: str) -> np.ndarray:
    """Per-image mean of the logits of expand(batch, tta); the inverse of `expand` for outputs."""
    count = view_count(tta)
    if count == 1:
        return logits
    return logits.reshape(count, len(logits) // count, -1).mean(axis=0)
