"""A few labelled cells of the new lab: which ones, and how they join a training set.

Self-training reads no label of the new lab, and what every voter gets wrong stays wrong
(docs/cross-lab-sessions.md, session 12). A lab's own reviewers can label a few cells per
class; this module picks them the way a lab would have them (distinct cells, not copies of one
cell) and repeats them so that a few dozen images are not lost among thousands of the training
lab's.
"""

import math

import numpy as np

# The labelled cells, repeated, make up about this share of the training images: enough to
# matter in every batch, little enough that the training lab's images still dominate.
SHOT_SHARE = 0.2


def select_shots(targets: np.ndarray, groups: np.ndarray, per_class: int, seed: int) -> np.ndarray:
    """Indices of `per_class` images of each class, each from a different group (Kaggle's ~35
    augmented copies of one original share a group, so these are distinct cells); fewer when a
    class has fewer groups. Seeded: the same call picks the same cells."""
    if per_class < 1:
        raise ValueError(f"per_class must be at least 1, got {per_class}")
    rng = np.random.default_rng(seed)
    chosen = []
    for label in np.unique(targets):
        members = np.flatnonzero(targets == label)
        class_groups = np.unique(groups[members])
        for group in rng.permutation(class_groups)[:per_class]:
            chosen.append(rng.choice(members[groups[members] == group]))
    return np.sort(np.array(chosen, dtype=np.int64))


def with_shots(
    train: tuple[np.ndarray, np.ndarray], shot_images: np.ndarray, shot_targets: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The training images plus the labelled cells, each repeated so that together they are
    about SHOT_SHARE of the result (augmentation makes each repeat a different view)."""
    images, targets = train
    if not len(shot_images):
        return train
    repeats = max(1, math.ceil(SHOT_SHARE * len(images) / ((1 - SHOT_SHARE) * len(shot_images))))
    return (
        np.concatenate([images, np.repeat(shot_images, repeats, axis=0)]),
        np.concatenate([targets, np.repeat(shot_targets.astype(targets.dtype), repeats)]),
    )
