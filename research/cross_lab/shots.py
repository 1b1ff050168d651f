"""Which few labelled cells of the other lab a few-shot row of the study gets.

The study picks them the way a lab would have them: distinct cells, not copies of one cell.
"""

import numpy as np


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
