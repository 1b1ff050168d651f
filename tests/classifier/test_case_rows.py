"""Case rows and the case differential read from the database: the reviewer's label counts."""

import pytest

from classifier.case_rows import case_differential, case_rows
from review import services
from tests.review.helpers import classified_case, make_version


@pytest.fixture
def case(lab_a):
    make_version()
    return classified_case(lab_a, ["neutrophil", "neutrophil", "neutrophil", "lymphocyte"])


def test_a_case_differential_uses_reviews_over_predictions(case, pathologist):
    lymphocyte = case.images.get(prediction__label="lymphocyte")
    services.review_image(lymphocyte, pathologist, "monocyte")

    differential = case_differential(case)

    assert [row.label for row in differential.rows] == [
        "lymphocyte",
        "monocyte",
        "neutrophil",
        "platelet",
        "other",
    ]
    counts = {row.label: row.count for row in differential.rows}
    assert (counts["monocyte"], counts["lymphocyte"], counts["neutrophil"]) == (1, 0, 3)
    assert (differential.reviewed, differential.unreviewed) == (1, 3)


def test_rows_follow_upload_order_and_name_the_final_label(case, pathologist):
    lymphocyte = case.images.get(prediction__label="lymphocyte")
    services.review_image(lymphocyte, pathologist, "monocyte", comment="a monocyte")

    rows = case_rows(case)

    assert [row.final for row in rows] == ["neutrophil", "neutrophil", "neutrophil", "monocyte"]
    assert (rows[-1].predicted, rows[-1].reviewed, rows[-1].comment) == (
        "lymphocyte",
        "monocyte",
        "a monocyte",
    )
    assert rows[0].reviewed is None and rows[0].reviewer == ""
