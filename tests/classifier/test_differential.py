"""The differential as a pure function over (predicted, reviewed) pairs: no database."""

from classifier.differential import compute_differential, final_label, is_leukocyte
from classifier.labels import OTHER_LABEL

CLASSES = ["lymphocyte", "neutrophil", "platelet", "other"]


def test_final_label_prefers_the_reviewer():
    assert final_label("neutrophil", "monocyte") == "monocyte"
    assert final_label("neutrophil", None) == "neutrophil"
    assert final_label(None, None) is None


def test_it_counts_final_labels_and_gives_shares_per_100_leukocytes():
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

    # 7 leukocytes: the platelet reviewed as "other" is counted beside them, not among them.
    assert [(r.label, r.count, r.percent, r.per_100_leukocytes) for r in differential.rows] == [
        ("lymphocyte", 2, 28.6, None),
        ("neutrophil", 5, 71.4, None),
        ("platelet", 0, None, 0.0),
        ("other", 1, None, 14.3),
    ]
    assert (differential.total, differential.reviewed, differential.unreviewed) == (8, 3, 5)
    assert differential.leukocytes == 7


def test_nucleated_red_cells_and_platelets_are_per_100_leukocytes():
    pairs = (
        [("neutrophil", None)] * 60
        + [("lymphocyte", None)] * 40
        + [("erythroblast", None)] * 5
        + [("platelet", None)] * 20
    )

    differential = compute_differential(pairs, ["erythroblast", "lymphocyte", "neutrophil"])

    rows = {row.label: row for row in differential.rows}
    assert (rows["neutrophil"].percent, rows["lymphocyte"].percent) == (60.0, 40.0)
    assert rows["erythroblast"].per_100_leukocytes == 5.0  # NRBC/100 WBC
    assert rows["platelet"].per_100_leukocytes == 20.0
    assert (differential.leukocytes, differential.total) == (100, 125)


def test_every_class_but_red_cells_platelets_and_other_is_a_leukocyte():
    assert not any(map(is_leukocyte, ("erythroblast", "platelet", OTHER_LABEL)))
    assert all(map(is_leukocyte, ("basophil", "ig", "neutrophil", "a-new-bundles-class")))


def test_percentages_are_rounded_to_one_decimal():
    differential = compute_differential([("a", None), ("b", None), ("b", None)], ["a", "b"])
    assert [row.percent for row in differential.rows] == [33.3, 66.7]


def test_labels_outside_the_classes_follow_alphabetically():
    differential = compute_differential([("zeta", None), ("alpha", None)], ["neutrophil"])
    assert [row.label for row in differential.rows] == ["neutrophil", "alpha", "zeta"]


def test_images_without_any_label_are_not_counted():
    differential = compute_differential([(None, None), ("platelet", None)], ["platelet"])
    assert differential.total == 1
    assert [(row.label, row.count) for row in differential.rows] == [("platelet", 1)]


def test_an_empty_case_has_zero_everywhere():
    differential = compute_differential([], CLASSES)
    assert differential.total == differential.leukocytes == 0
    assert [(row.count, row.percent, row.per_100_leukocytes) for row in differential.rows] == [
        (0, 0.0, None),
        (0, 0.0, None),
        (0, None, None),  # no leukocytes to count platelets against
        (0, None, None),
    ]


def test_as_dict_is_json_ready():
    differential = compute_differential([("platelet", "platelet")], ["platelet"])
    assert differential.as_dict() == {
        "rows": [
            {
                "label": "platelet",
                "count": 1,
                "percent": None,
                "per_100_leukocytes": None,
                "confidence_interval": None,
            }
        ],
        "total": 1,
        "reviewed": 1,
        "unreviewed": 0,
        "leukocytes": 0,
    }
