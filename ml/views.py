"""Test-time augmentation: average a model's logits over the 8 flips/90-degree rotations.

A smear has no "up", so each of the 8 dihedral views of a cell is the same cell; the model was
trained on all of them, and averaging its logits over them steadies its answer. Numpy only: the
serving path uses it. Whether a bundle uses it is chosen on validation (`python -m ml tta`) and
stored in bundle.json as "test_time_augmentation".
"""

import numpy as np

NONE = "none"
DIHEDRAL8 = "dihedral8"
CHOICES = (NONE, DIHEDRAL8)


def view_count(tta: str) -> int:
    if tta not in CHOICES:
        raise ValueError(f"unknown test-time augmentation {tta!r}; known: {', '.join(CHOICES)}")
    return 8 if tta == DIHEDRAL8 else 1


def dihedral_views(batch: np.ndarray) -> np.ndarray:
    """(8n, s, s, c): the 8 views of each image of a (n, s, s, c) batch, view-major."""
    views = []
    for image_set in (batch, np.swapaxes(batch, 1, 2)):
        for flip_rows in (False, True):
            for flip_columns in (False, True):
                view = image_set[:, ::-1] if flip_rows else image_set
                views.append(view[:, :, ::-1] if flip_columns else view)
    return np.ascontiguousarray(np.concatenate(views))


def expand(batch: np.ndarray, tta: str) -> np.ndarray:
    """The batch the model runs on: itself, or all its views."""
    return dihedral_views(batch) if view_count(tta) > 1 else batch


def average(logits: np.ndarray, tta: str) -> np.ndarray:
    """Per-image mean of the logits of expand(batch, tta); the inverse of `expand` for outputs."""
    count = view_count(tta)
    if count == 1:
        return logits
    return logits.reshape(count, len(logits) // count, -1).mean(axis=0)
