"""The count over fields in words and localised numbers (classifier/count_texts.py)."""

import pytest
from django.utils import translation

from classifier.count_texts import (
    grouped,
    interval_text,
    more_text,
    rough_estimate_text,
    white_cells_text,
)
from classifier.field_counts import FieldCounts, WhiteCellTarget


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "214,000"), ("fr", "214\xa0000"), ("pt", "214.000"), ("hi", "2,14,000")],
)
def test_a_grouped_number_follows_the_language(language, expected):
    with translation.override(language):
        assert grouped(214000) == expected


def test_an_interval_has_one_decimal_in_the_languages_separator():
    with translation.override("en"):
        assert interval_text((5.52, 17.44)) == "5.5–17.4\xa0%"
    with translation.override("es"):
        assert interval_text((5.52, 17.44)) == "5,5–17,4\xa0%"
    assert interval_text(None) == "—"


def test_the_count_asks_for_more_fields_until_the_target_is_met():
    with translation.override("en"):
        assert white_cells_text(WhiteCellTarget(87, 100)) == "87 of 100 white cells counted"
        assert more_text(WhiteCellTarget(87, 100), signed=False) == (
            "Count 13 more: upload more fields."
        )
        assert more_text(WhiteCellTarget(87, 100), signed=True) == (
            "Signed 13 white cells short of the lab's target of 100."
        )
        assert more_text(WhiteCellTarget(200, 200), signed=False) == ""


def test_an_estimate_from_fewer_than_ten_fields_is_called_rough():
    few = FieldCounts(fields=9, platelets=90, red_cells=1800, platelet_factor=15000)
    enough = FieldCounts(fields=10, platelets=100, red_cells=2000, platelet_factor=15000)

    with translation.override("en"):
        assert rough_estimate_text(few) == (
            "Rough: count at least 10 fields for a platelet estimate."
        )
    assert rough_estimate_text(enough) == ""
