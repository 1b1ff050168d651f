from pathlib import Path

from PIL import Image

from review.adaptation import cells
from review.adaptation.cells import ReviewedCell
from tests.review.adaptation_helpers import reviewed_cells
from tests.review.helpers import add_image, make_case
from tests.shipped import require_shipped_detector

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "images"


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


def _framing_detector_or_skip():
    require_shipped_detector()


def test_an_uploaded_cell_is_written_as_the_finder_frames_it(tmp_path):
    _framing_detector_or_skip()
    source = FIXTURES / "neutrophil" / "kaggle_0_1095.jpeg"  # a 320x240 field with one WBC
    cell = ReviewedCell(source, "neutrophil", "neutrophil", "v", "a" * 64)

    [written] = cells.write_tree([cell], tmp_path)

    assert written == cell
    [target] = (tmp_path / "neutrophil").iterdir()
    with Image.open(target) as framed, Image.open(source) as original:
        assert framed.size != original.size
        assert framed.width == framed.height


def test_a_cell_cut_from_a_field_is_copied_as_it_is(tmp_path):
    source = FIXTURES / "neutrophil" / "kaggle_0_1095.jpeg"
    cell = ReviewedCell(source, "neutrophil", "neutrophil", "v", "b" * 64, from_field=True)

    cells.write_tree([cell], tmp_path)

    [target] = (tmp_path / "neutrophil").iterdir()
    assert target.read_bytes() == source.read_bytes()


def test_an_unreadable_file_is_left_out(tmp_path):
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"not an image")
    cell = ReviewedCell(broken, "neutrophil", "neutrophil", "v", "c" * 64)

    assert cells.write_tree([cell], tmp_path / "tree") == []
    assert not (tmp_path / "tree").exists()


def test_a_fields_white_cell_counts_as_one_cut_from_a_field(lab_a, pathologist, model_version):
    from classifier.models import CellImage
    from review import services

    case = make_case(lab_a, "FLD-1")
    field = add_image(case, "neutrophil", retained=True)
    field.kind = CellImage.Kind.FIELD
    field.save(update_fields=["kind"])
    crop = add_image(case, "neutrophil", retained=True)
    crop.field, crop.box = field, [10, 10, 60, 60]
    crop.save(update_fields=["field", "box"])
    services.review_image(crop, pathologist, "neutrophil")

    [cell] = cells.lab_cells(lab_a)

    assert cell.sha256 == crop.sha256 and cell.from_field
