"""Picking a few labelled cells of a new lab and adding them to a training set."""

import numpy as np
import pytest

from ml.adaptation.few_shot import SHOT_SHARE, with_shots


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


def test_a_larger_share_repeats_the_shots_more():
    images, targets = np.zeros((80, 4, 4, 3), dtype=np.uint8), np.zeros(80, dtype=np.int64)
    shot_images, shot_targets = np.ones((4, 4, 4, 3), dtype=np.uint8), np.array([1, 1, 2, 2])
    half, half_targets = with_shots((images, targets), shot_images, shot_targets, share=0.5)
    assert (len(half) - 80) / len(half) == pytest.approx(0.5, abs=0.02)
    assert len(half) > len(with_shots((images, targets), shot_images, shot_targets)[0])
    assert (half_targets[80:] == 1).sum() == (half_targets[80:] == 2).sum()
