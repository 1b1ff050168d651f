"""The statistics of a differential over fields: the Wilson interval, the white-cell target and
the platelet estimate (classifier/differential.py, classifier/field_counts.py). No database."""

import pytest

from classifier.differential import compute_differential, wilson_interval
from classifier.field_counts import (
    FieldCounts,
    WhiteCellTarget,
    field_counts,
    round_significant,
)


def rounded(interval):
    return tuple(round(value, 1) for value in interval)


@pytest.mark.parametrize(
    ("count", "total", "expected"),
    [
        # Published Wilson score intervals (e.g. Newcombe, Stat Med 1998, method 3: 81/263
        # gives 0.2553-0.3662), and the 100-cell differential values labs quote.
        (10, 100, (5.5, 17.4)),
        (81, 263, (25.5, 36.6)),
        (50, 100, (40.4, 59.6)),
        (20, 200, (6.6, 14.9)),
        (0, 100, (0.0, 3.7)),
        (100, 100, (96.3, 100.0)),
        (1, 1, (20.7, 100.0)),
    ],
)
def test_the_wilson_interval_matches_known_values(count, total, expected):
    assert rounded(wilson_interval(count, total)) == expected


def test_the_interval_narrows_when_twice_the_cells_are_counted():
    low_100, high_100 = wilson_interval(10, 100)
    low_200, high_200 = wilson_interval(20, 200)
    assert high_200 - low_200 < high_100 - low_100


def test_nothing_counted_has_no_interval():
    assert wilson_interval(0, 0) is None


def test_the_bounds_are_exactly_0_and_100_at_the_ends():
    assert wilson_interval(0, 7)[0] == 0.0
    assert wilson_interval(7, 7)[1] == 100.0


def test_leukocyte_rows_carry_their_interval_and_other_cells_none():
    labels = [("neutrophil", None)] * 9 + [("lymphocyte", None)] + [("platelet", None)] * 3
    differential = compute_differential(labels, ["lymphocyte", "neutrophil", "platelet"])

    rows = {row.label: row for row in differential.rows}
    assert rows["lymphocyte"].confidence_interval == (1.8, 40.4)  # 1 of 10
    assert rows["neutrophil"].confidence_interval == (59.6, 98.2)  # 9 of 10
    assert rows["platelet"].confidence_interval is None  # per 100 WBC, not a proportion


def test_without_leukocytes_no_row_has_an_interval():
    differential = compute_differential([("platelet", None)], ["neutrophil", "platelet"])
    assert [row.confidence_interval for row in differential.rows] == [None, None]


def test_the_target_says_how_many_white_cells_remain():
    short = WhiteCellTarget(counted=87, target=100)
    assert (short.remaining, short.is_met, short.percent_done) == (13, False, 87.0)
    met = WhiteCellTarget(counted=212, target=200)
    assert (met.remaining, met.is_met, met.percent_done) == (0, True, 100.0)
    assert WhiteCellTarget(0, 200).percent_done == 0.0


def test_no_field_means_no_estimate_rather_than_zero():
    assert field_counts([], platelet_factor=15000) is None


def test_the_platelet_estimate_is_the_mean_per_field_times_the_factor():
    counts = [
        {"wbc": 2, "rbc": 200, "platelet": 12},
        {"wbc": 1, "rbc": 180, "platelet": 15},
        {"wbc": 0, "rbc": 226, "platelet": 16},
    ]

    fields = field_counts(counts, platelet_factor=15000)

    assert (fields.fields, fields.platelets, fields.red_cells) == (3, 43, 606)
    assert fields.platelets_per_field == pytest.approx(14.333, abs=1e-3)
    assert fields.red_cells_per_field == 202.0
    # 14.333 x 15,000 = 215,000 (three significant figures).
    assert fields.platelet_estimate == 215000


def test_the_factor_is_the_labs():
    fields = FieldCounts(fields=2, platelets=20, red_cells=400, platelet_factor=20000)
    assert fields.platelet_estimate == 200000


def test_a_field_with_missing_or_malformed_counts_counts_none_of_that_kind():
    fields = field_counts([{"rbc": 10}, {"platelet": "many", "rbc": -3}, "junk"], 15000)
    assert (fields.fields, fields.platelets, fields.red_cells) == (3, 0, 10)
    assert fields.platelet_estimate == 0


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (213750.0, 214000),
        (202500.0, 203000),
        (99949.0, 99900),
        (1234.0, 1230),
        (87.0, 87),
        (0.0, 0),
    ],
)
def test_estimates_keep_three_significant_figures(value, expected):
    assert round_significant(value) == expected
