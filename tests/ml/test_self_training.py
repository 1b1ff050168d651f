"""Pseudo-label selection for self-training, on hand-made probabilities."""

import numpy as np
import pytest

from ml.adaptation.self_training import select_pseudo_labels

PROBS = np.array(
    [
        [0.90, 0.05, 0.05],  # 0: class 0, surest
        [0.60, 0.30, 0.10],  # 1: class 0
        [0.70, 0.20, 0.10],  # 2: class 0
        [0.50, 0.40, 0.10],  # 3: class 0, least sure
        [0.10, 0.45, 0.45],  # 4: class 1 (argmax takes the first of a tie)
        [0.20, 0.40, 0.40],  # 5: class 1
        [0.30, 0.30, 0.40],  # 6: class 2, unsure, but the only one of its class
    ]
)


def test_it_keeps_the_surest_share_of_every_predicted_class():
    indices, labels = select_pseudo_labels(PROBS, 0.5)
    # class 0: 2 of 4 (rows 0 and 2); class 1: 1 of 2 (row 4); class 2: 1 of 1 (row 6)
    assert indices.tolist() == [0, 2, 4, 6]
    assert labels.tolist() == [0, 0, 1, 2]


def test_a_share_of_one_keeps_every_image_with_its_predicted_label():
    indices, labels = select_pseudo_labels(PROBS, 1.0)
    assert indices.tolist() == list(range(7))
    assert labels.tolist() == [0, 0, 0, 0, 1, 1, 2]


@pytest.mark.parametrize("share", [0.0, -0.1, 1.5])
def test_it_refuses_a_share_outside_0_to_1(share):
    with pytest.raises(ValueError, match="share"):
        select_pseudo_labels(PROBS, share)


def test_a_row_needs_its_bases_and_teachers_first():
    from research.cross_lab.protocol import rows_needed

    assert rows_needed("cell_field_norm_soft_pair2") == [
        "cell_field_norm_soft",
        "cell_crop_robust",
        "cell_field_norm_soft_pair",
        "cell_field_norm_soft_pair2",
    ]
    assert rows_needed("baseline") == ["baseline"]
    # a teacher under other seeds is the same row: it is listed once, without its seed
    assert rows_needed("cell_field_norm_soft_seeds2") == [
        "cell_field_norm_soft",
        "cell_field_norm_soft_seeds",
        "cell_field_norm_soft_seeds2",
    ]
    assert rows_needed("cell_field_norm_soft_seeds_co3")[-2:] == [
        "cell_field_norm_soft_seeds_co2",
        "cell_field_norm_soft_seeds_co3",
    ]
    # both framings' round-1 students under all seeds teach the crop model's round 2
    assert rows_needed("cell_crop_robust_pairs_co2") == [
        "cell_crop_robust",
        "cell_field_norm_soft",
        "cell_crop_robust_pair",
        "cell_field_norm_soft_pair",
        "cell_crop_robust_pairs_co2",
    ]
    assert rows_needed("cell_field_norm_soft_seeds_co2") == [
        "cell_field_norm_soft",
        "cell_field_norm_soft_seeds",
        "cell_field_norm_soft_seeds_co2",
    ]
    # co-training: each framing's model of one round teaches the other's next round
    assert rows_needed("cell_field_norm_soft_co2")[-3:] == [
        "cell_field_norm_soft_pair",
        "cell_crop_robust_pair",
        "cell_field_norm_soft_co2",
    ]


def test_a_vote_of_all_seeds_counts_every_model_once_beside_the_rows_own():
    from research.cross_lab.protocol import VARIANTS, voting_teachers

    names = [name for name, _, _ in voting_teachers(VARIANTS["cell_crop_robust_pairs_co2"], 2)]
    # the row's own model is seed 2's crop student; the field student of seed 2 is named plainly
    assert names == [
        "cell_crop_robust_pair@1",
        "cell_crop_robust_pair@3",
        "cell_field_norm_soft_pair",
        "cell_field_norm_soft_pair@1",
        "cell_field_norm_soft_pair@3",
    ]
    seeds_only = voting_teachers(VARIANTS["cell_field_norm_soft_seeds_co2"], 1)
    assert [(row, seed) for _, row, seed in seeds_only] == [
        ("cell_field_norm_soft_seeds", 2),
        ("cell_field_norm_soft_seeds", 3),
    ]
