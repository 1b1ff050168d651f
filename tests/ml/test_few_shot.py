"""Picking a few labelled cells of a new lab and adding them to a training set."""

import numpy as np
import pytest

from ml.adaptation.few_shot import SHOT_SHARE, select_shots, with_shots

# Class 0: groups a (3 copies), b (2), c (1); class 1: group d (4 copies).
TARGETS = np.array([0, 0, 0, 0, 0, 0, 1, 1, 1, 1])
GROUPS = np.array(["a", "a", "a", "b", "b", "c", "d", "d", "d", "d"])


def test_each_shot_of_a_class_comes_from_a_different_group():
    shots = select_shots(TARGETS, GROUPS, per_class=2, seed=1)
    class_0 = shots[TARGETS[shots] == 0]
    assert len(class_0) == 2 and len(set(GROUPS[class_0])) == 2


def test_a_class_with_fewer_groups_gives_one_cell_per_group():
    shots = select_shots(TARGETS, GROUPS, per_class=5, seed=1)
    assert sorted(GROUPS[shots]) == ["a", "b", "c", "d"]


def test_the_same_seed_picks_the_same_cells_and_another_seed_may_not():
    picks = {tuple(select_shots(TARGETS, GROUPS, per_class=1, seed=seed)) for seed in range(20)}
    assert tuple(select_shots(TARGETS, GROUPS, 1, 3)) == tuple(select_shots(TARGETS, GROUPS, 1, 3))
    assert len(picks) > 1


def test_no_shots_is_an_error():
    with pytest.raises(ValueError, match="at least 1"):
        select_shots(TARGETS, GROUPS, per_class=0, seed=1)


def test_the_shots_are_repeated_to_about_their_share_and_keep_their_labels():
    images = np.zeros((80, 4, 4, 3), dtype=np.uint8)
    targets = np.zeros(80, dtype=np.int64)
    shot_images = np.full((2, 4, 4, 3), 7, dtype=np.uint8)
    shot_targets = np.array([1, 2])
    combined_images, combined_targets = with_shots((images, targets), shot_images, shot_targets)
    added = combined_images[80:]
    assert (combined_images[:80] == 0).all() and (added == 7).all()
    assert len(added) / len(combined_images) == pytest.approx(SHOT_SHARE, abs=0.02)
    assert sorted(set(combined_targets[80:])) == [1, 2]
    assert (combined_targets[80:] == 1).sum() == (combined_targets[80:] == 2).sum()


def test_no_shots_leaves_the_training_set_as_it_is():
    train = (np.zeros((5, 4, 4, 3), dtype=np.uint8), np.zeros(5, dtype=np.int64))
    empty = np.zeros((0, 4, 4, 3), dtype=np.uint8)
    assert with_shots(train, empty, np.zeros(0, dtype=np.int64)) is train
