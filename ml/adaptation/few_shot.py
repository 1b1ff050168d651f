"""A few labelled cells of the new lab, and how they join a training set.

Self-training reads no label of the new lab, so what every voter gets wrong stays wrong (the
cross-lab study, research/cross_lab/README.md). A lab's own reviewers can label a few cells per
class; this module repeats them so that a few dozen images are not lost among thousands of the
training lab's.
"""

import math

import numpy as np

# The labelled cells, repeated, make up about this share of the training images: enough to
# matter in every batch, little enough that the training lab's images still dominate.
SHOT_SHARE = 0.2


def with_shots(
    train: tuple[np.ndarray, np.ndarray],
    shot_images: np.ndarray,
    shot_targets: np.ndarray,
    share: float = SHOT_SHARE,
) -> tuple[np.ndarray, np.ndarray]:
    """The training images plus the labelled cells, each repeated so that together they are
    about `share` of the result (augmentation makes each repeat a different view)."""
    images, targets = train
    if not len(shot_images):
        return train
    repeats = max(1, math.ceil(share * len(images) / ((1 - share) * len(shot_images))))
    return (
        np.concatenate([images, np.repeat(shot_images, repeats, axis=0)]),
        np.concatenate([targets, np.repeat(shot_targets.astype(targets.dtype), repeats)]),
    )
