"""ml.training.fields: YOLO labels, the split, augmentation, targets, and the scoring rules."""

from pathlib import Path

import numpy as np
import pytest

from ml.training.fields import data
from ml.training.fields.metrics import FieldScorer, average_precision
from ml.training.fields.targets import STRIDE, augment, make_targets, warp_field

FIELDS_DIR = Path(__file__).resolve().parents[2] / "fixtures" / "fields"


def test_yolo_labels_become_pixel_boxes(tmp_path):
    labels = tmp_path / "a.txt"
    labels.write_text("0 0.5 0.5 0.2 0.4\n2 0.1 0.1 0.1 0.1\n")

    boxes, classes = data.read_yolo_labels(labels, (200, 100))

    np.testing.assert_allclose(boxes[0], [80, 30, 120, 70])
    assert list(classes) == [0, 2]


def test_a_malformed_label_line_is_refused(tmp_path):
    labels = tmp_path / "a.txt"
    labels.write_text("0 0.5 0.5\n")

    with pytest.raises(ValueError, match="class cx cy w h"):
        data.read_yolo_labels(labels, (10, 10))


def test_a_folder_without_labels_is_refused(tmp_path):
    with pytest.raises(ValueError, match="images/ and labels/"):
        data.folder_fields(tmp_path)


def test_the_fixture_fields_pair_images_and_labels():
    fields = data.folder_fields(FIELDS_DIR)

    assert len(fields) == 3
    assert all(field.image.stem == field.labels.stem for field in fields)


def test_the_split_is_seeded_and_keeps_a_share_of_each_source():
    fields = [
        data.Field(Path(f"{s}{i}.jpg"), Path(f"{s}{i}.txt"), s) for s in "ab" for i in range(40)
    ]

    split = data.make_split(fields)

    assert split == data.make_split(fields)
    for source in "ab":
        held = [n for n, part in split.items() if n.startswith(source) and part == "validation"]
        assert len(held) == 6


def test_the_committed_split_covers_every_shared_field():
    split = data.read_split()

    assert len(split) == 893
    assert sum(part == "validation" for part in split.values()) == 133


def test_targets_peak_at_each_cell_with_its_size():
    boxes = np.array([[40.0, 40.0, 80.0, 72.0]])

    target = make_targets(boxes, np.array([1]), (96, 128))

    assert target.shape == (96 // STRIDE, 128 // STRIDE, 8)
    assert target[14, 15, 1] == 1.0 and target[..., 7].sum() == 1
    np.testing.assert_allclose(target[14, 15, 3:5], [10, 8])


def test_augmentation_keeps_boxes_on_their_cells():
    pixels = np.full((96, 128, 3), 230, dtype=np.uint8)
    pixels[40:60, 50:70] = (60, 20, 120)  # a violet square
    boxes = np.array([[50.0, 40.0, 70.0, 60.0]])

    for seed in range(5):
        crop, moved, _ = augment(
            np.random.default_rng(seed), (pixels, boxes, np.array([0])), (64, 48)
        )
        for x0, y0, x1, y1 in moved:
            centre = crop[int((y0 + y1) / 2), int((x0 + x1) / 2)]
            assert centre[1] < centre[2]  # still violet: the box moved with its cell


def test_a_cell_the_crop_cuts_keeps_the_box_of_its_visible_part():
    pixels = np.full((100, 200, 3), 230, dtype=np.uint8)
    boxes = np.array([[80.0, 40.0, 120.0, 80.0], [10.0, 40.0, 30.0, 60.0]])
    shift = np.array([[1.0, 0.0, -90.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])  # crop from x = 90

    _, moved, classes = warp_field(pixels, boxes, np.array([0, 1]), shift, (100, 100))

    # The first cell has a quarter of it left of the crop: boxed from the edge; the
    # second lies wholly outside and is gone.
    np.testing.assert_allclose(moved, [[0.0, 40.0, 30.0, 80.0]])
    assert list(classes) == [0]
    _, sliver, _ = warp_field(
        pixels, boxes[:1], np.array([0]), shift + [[0, 0, -25], [0] * 3, [0] * 3], (100, 100)
    )
    assert len(sliver) == 0  # 5 of 40 px left: under MIN_VISIBLE_SHARE, not a cell to find


def test_matching_counts_a_centre_inside_a_true_box_once():
    scorer = FieldScorer()
    truth = [[0, 0, 10, 10], [20, 20, 30, 30]]

    scorer.add(
        [[1, 1, 9, 9], [2, 2, 8, 8], [50, 50, 60, 60]], ["wbc"] * 3, [0.9, 0.8, 0.7], truth, [0, 0]
    )

    wbc = scorer.per_class()["wbc"]
    assert (wbc["precision"], wbc["recall"]) == (pytest.approx(1 / 3, abs=1e-3), 0.5)
    assert wbc["count_error_pct"] == 50.0


def test_average_precision_is_one_for_perfect_ranking_and_less_otherwise():
    assert average_precision([(0.9, True), (0.8, True)], 2) == pytest.approx(1.0)
    assert average_precision([(0.9, False), (0.8, True)], 2) == pytest.approx(0.25)
