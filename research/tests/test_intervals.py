"""research.intervals: the three interval methods and their exact coverage."""

import pytest

from research.intervals import study


def percent(interval):
    return tuple(round(100 * value, 1) for value in interval)


def test_each_method_gives_its_published_interval_for_10_of_100():
    assert percent(study.wald(10, 100)) == (4.1, 15.9)
    assert percent(study.wilson(10, 100)) == (5.5, 17.4)
    assert percent(study.clopper_pearson(10, 100)) == (4.9, 17.6)


def test_clopper_pearson_never_covers_less_than_95_percent():
    for p in (0.01, 0.1, 0.5):
        coverage, _width = study.coverage_and_width(study.clopper_pearson, 30, p)
        assert coverage >= 0.95


def test_wald_collapses_for_a_class_with_no_cell():
    assert study.wald(0, 100) == (0.0, 0.0)
    assert percent(study.wilson(0, 100)) == (0.0, 3.7)


def test_the_study_reports_every_method_and_count():
    results = study.study([20])
    assert set(results) == {"wald@20", "wilson@20", "clopper_pearson@20"}
    assert results["wilson@20"]["mean_coverage"] == pytest.approx(0.95, abs=0.05)
