from review.adaptation import cells
from review.adaptation.cells import ReviewedCell
from tests.review.adaptation_helpers import reviewed_cells
from tests.review.helpers import add_image, make_case


def _cells(counts: dict[str, int]) -> list[ReviewedCell]:
    return [
        ReviewedCell(None, label, label, "v", f"{label}-{index:03d}")
        for label, count in counts.items()
        for index in range(count)
    ]


def test_it_holds_out_about_a_quarter_of_each_class_and_at_least_one():
    train, held_out = cells.split_held_out(_cells({"neutrophil": 12, "monocyte": 2}))

    held = cells.counts_per_class(held_out)
    assert held == {"monocyte": 1, "neutrophil": 3}
    assert cells.counts_per_class(train) == {"monocyte": 1, "neutrophil": 9}
    assert not {c.sha256 for c in train} & {c.sha256 for c in held_out}


def test_the_split_is_the_same_every_time():
    reviewed = _cells({"neutrophil": 10, "lymphocyte": 10})

    assert cells.split_held_out(reviewed) == cells.split_held_out(list(reversed(reviewed)))


def test_it_counts_only_the_labs_own_consented_stored_cells(
    lab_a, lab_b, pathologist, outsider, model_version
):
    reviewed_cells(lab_a, pathologist, {"neutrophil": 2, "lymphocyte": 1})
    reviewed_cells(lab_b, outsider, {"neutrophil": 5}, accession="B-1")
    unconsented = add_image(make_case(lab_a, "NC-1"), "neutrophil", retained=False)
    from review import services

    services.review_image(unconsented, pathologist, "neutrophil")

    counts = cells.counts_per_class(cells.lab_cells(lab_a))

    assert counts == {"lymphocyte": 1, "neutrophil": 2}


def test_it_is_ready_only_when_every_class_has_enough():
    assert cells.ready_to_adapt({"neutrophil": 10, "lymphocyte": 10}, 10)
    assert not cells.ready_to_adapt({"neutrophil": 10, "lymphocyte": 9}, 10)
    assert not cells.ready_to_adapt({}, 10)
