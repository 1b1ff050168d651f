"""Picking a few labelled cells of the other lab for the few-shot rows of the cross-lab study."""

import numpy as np
import pytest

from research.cross_lab.shots import select_shots

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
