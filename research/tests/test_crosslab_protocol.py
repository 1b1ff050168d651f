"""The cross-lab protocol: which rows a row needs first, and who votes on its pseudo-labels."""


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
