import pytest

from reports.differential import compute_differential, final_label
from reports.services import case_differential
from review import services

CLASSES = ["lymphocyte", "neutrophil", "platelet", "other"]


def test_final_label_prefers_the_reviewer():
    assert final_label("neutrophil", "monocyte") == "monocyte"
    assert final_label("neutrophil", None) == "neutrophil"
    assert final_label(None, None) is None


def test_it_counts_final_labels_and_percentages():
    pairs = [
        ("neutrophil", None),
        ("neutrophil", "neutrophil"),
        ("neutrophil", "lymphocyte"),
        ("platelet", "other"),
        ("lymphocyte", None),
        ("neutrophil", None),
        ("neutrophil", None),
        ("neutrophil", None),
    ]

    differential = compute_differential(pairs, CLASSES)

    assert [(r.label, r.count, r.percent) for r in differential.rows] == [
        ("lymphocyte", 2, 25.0),
        ("neutrophil", 5, 62.5),
        ("platelet", 0, 0.0),
        ("other", 1, 12.5),
    ]
    assert (differential.total, differential.reviewed, differential.unreviewed) == (8, 3, 5)


def test_percentages_are_rounded_to_one_decimal():
    differential = compute_differential([("a", None), ("b", None), ("b", None)], ["a", "b"])
    assert [row.percent for row in differential.rows] == [33.3, 66.7]


def test_labels_outside_the_classes_follow_alphabetically():
    differential = compute_differential([("zeta", None), ("alpha", None)], ["neutrophil"])
    assert [row.label for row in differential.rows] == ["neutrophil", "alpha", "zeta"]


def test_images_without_any_label_are_not_counted():
    differential = compute_differential([(None, None), ("platelet", None)], ["platelet"])
    assert differential.total == 1
    assert differential.count_of("platelet") == 1


def test_an_empty_case_has_zero_everywhere():
    differential = compute_differential([], CLASSES)
    assert differential.total == 0
    assert all(row.count == 0 and row.percent == 0.0 for row in differential.rows)


def test_as_dict_is_json_ready():
    differential = compute_differential([("platelet", "platelet")], ["platelet"])
    assert differential.as_dict() == {
        "rows": [{"label": "platelet", "count": 1, "percent": 100.0}],
        "total": 1,
        "reviewed": 1,
        "unreviewed": 0,
    }


@pytest.mark.django_db
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
    assert differential.count_of("monocyte") == 1
    assert differential.count_of("lymphocyte") == 0
    assert differential.count_of("neutrophil") == 3
    assert (differential.reviewed, differential.unreviewed) == (1, 3)
