"""ml.serving.detector and wbc_crop: the shipped cell finder on real fields and a typed page."""

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from ml.serving import BundleError
from ml.serving.detector import (
    Cell,
    decode_cells,
    edge_cut_share,
    find_cells,
    load_detector,
    local_peaks,
)
from ml.serving.field_image import Letterbox, field_input
from ml.serving.finder import shows_blood
from ml.serving.wbc_crop import crop_cell
from tests.ml.serving.conftest import BCCD_FIELD, BCCD_LABELS, TEXT_PAGE
from tests.shipped import SHIPPED_DETECTOR_DIR


def true_wbc_box(labels: Path, size: tuple[int, int]) -> tuple[float, float, float, float]:
    [row] = [line.split() for line in labels.read_text().splitlines() if line.startswith("0 ")]
    cx, cy, w, h = (float(v) for v in row[1:])
    return (
        (cx - w / 2) * size[0],
        (cy - h / 2) * size[1],
        (cx + w / 2) * size[0],
        (cy + h / 2) * size[1],
    )


def test_it_finds_the_white_cell_of_a_known_field(detector):
    with Image.open(BCCD_FIELD) as image:
        cells = detector.find_cells(image)
        x0, y0, x1, y1 = true_wbc_box(BCCD_LABELS, image.size)

    [wbc] = [cell for cell in cells if cell.kind == "wbc"]
    assert x0 <= wbc.centre[0] <= x1 and y0 <= wbc.centre[1] <= y1
    assert sum(cell.kind == "rbc" for cell in cells) >= 10


def test_what_it_finds_on_a_typed_page_does_not_look_like_blood(detector):
    with Image.open(TEXT_PAGE) as image:
        cells = detector.find_cells(image)

    assert not any(cell.kind == "wbc" for cell in cells)
    assert not shows_blood(cells)


def test_find_cells_loads_the_default_detector_once(detector):
    with Image.open(BCCD_FIELD) as image:
        cells = find_cells(image)

    assert cells and all(isinstance(cell, Cell) for cell in cells)


def test_it_refuses_a_classifier_bundle():
    with pytest.raises(BundleError, match="not a cell detector"):
        load_detector("kaggle4")


def test_peaks_are_local_maxima_and_thresholds_keep_strong_ones():
    output = np.zeros((6, 8, 7), dtype=np.float32)
    output[2, 3, 0], output[2, 4, 0] = 0.9, 0.5  # a WBC peak and its weaker neighbour
    output[4, 6, 2] = 0.2  # a platelet below its threshold
    output[2, 3, 3:5], output[2, 3, 5:7] = (4, 2), (0.5, 0.5)  # 16x8 input px at (14, 10)

    cells = decode_cells(output, np.array([0.3, 0.3, 0.3]), 4, Letterbox((200, 200), 0.5))

    assert local_peaks(output[..., :3])[2, 3, 0] and not local_peaks(output[..., :3])[2, 4, 0]
    [cell] = cells
    assert cell.kind == "wbc" and cell.score == pytest.approx(0.9)
    assert cell.box == (12.0, 12.0, 44.0, 28.0)


def test_a_field_is_letterboxed_into_the_input_with_its_scale():
    image = Image.new("RGB", (640, 480), (200, 100, 150))

    pixels, letterbox = field_input(image, (320, 240))

    assert pixels.shape == (240, 320, 3) and letterbox.scale == 0.5
    np.testing.assert_allclose(letterbox.to_original([[10, 10, 20, 20]]), [[20, 20, 40, 40]])


def test_a_white_cell_is_cropped_centred_filling_its_share():
    image = Image.new("RGB", (400, 300), "white")
    image.paste((0, 0, 255), (100, 100, 160, 160))  # a 60 px "cell"

    crop = np.asarray(crop_cell(image, (100, 100, 160, 160), fill_share=0.5, side=120))

    blue = crop[..., 2] > 200
    blue &= crop[..., 0] < 60
    rows, columns = np.nonzero(blue)
    assert crop.shape == (120, 120, 3)
    assert abs(rows.mean() - 59.5) < 2 and abs(columns.mean() - 59.5) < 2
    assert 55 <= rows.max() - rows.min() + 1 <= 63


def test_the_classifier_loader_refuses_a_detector(detector):
    from ml.serving import load_classifier

    with pytest.raises(BundleError, match="resize"):
        load_classifier("fields")


def test_finding_cells_leaves_the_callers_image_whole(detector):
    with Image.open(BCCD_FIELD) as image:
        detector.find_cells(image)

        assert image.size == (640, 480)


def test_a_file_path_finds_the_same_white_cell(detector):
    with Image.open(BCCD_FIELD) as image:
        [from_image] = [cell for cell in detector.find_cells(image) if cell.kind == "wbc"]
    [from_path] = [cell for cell in detector.find_cells(BCCD_FIELD) if cell.kind == "wbc"]

    assert abs(from_image.centre[0] - from_path.centre[0]) < 12


def test_a_second_peak_inside_a_stronger_cell_of_its_kind_is_dropped():
    output = np.zeros((20, 20, 7), dtype=np.float32)
    output[10, 10, 0], output[10, 12, 0] = 0.9, 0.6  # one big WBC, two peaks 2 cells apart
    output[10, 12, 1] = 0.8  # a red cell at the second peak is another kind: kept
    output[..., 3:5] = 12.0

    cells = decode_cells(output, np.array([0.3, 0.3, 0.3]), 4, Letterbox((80, 80), 1.0))

    assert [(cell.kind, cell.score) for cell in cells] == [
        ("wbc", pytest.approx(0.9)),
        ("rbc", pytest.approx(0.8)),
    ]


def test_the_cut_share_is_read_from_a_round_cells_chord_at_the_edge():
    size = (640, 480)

    assert edge_cut_share((200, 200, 300, 300), size) == 0.0  # inside the field
    # 100 wide along the top edge, 80 deep: less than a fifth of a 100 px cell is cut
    assert edge_cut_share((200, 0, 300, 80), size) == pytest.approx(0.2)
    # a sliver 20 deep with a 100 px chord: a 145 px cell, 86 % of it outside
    assert edge_cut_share((200, 0, 300, 20), size) == pytest.approx(1 - 20 / 145)
    assert edge_cut_share((600, 200, 640, 300), size) == pytest.approx(1 - 40 / 102.5)


def test_a_white_cell_mostly_outside_the_field_is_found_but_not_counted(detector):
    output = np.zeros((20, 20, 7), dtype=np.float32)
    output[1, 10, 0] = 0.9  # a WBC sliver on the top edge: 48 px chord, 8 px deep
    output[1, 10, 3:5] = (12.0, 4.0)
    output[1, 10, 5:7] = (0.0, -0.5)
    output[1, 4, 1] = 0.8  # a red cell sliver: red cells are counted as they are
    output[1, 4, 3:5] = (6.0, 2.0)
    output[10, 10, 0] = 0.7  # a whole WBC in the middle
    output[10, 10, 3:5] = 12.0
    letterbox = Letterbox((80, 80), 1.0)

    every = decode_cells(output, np.array([0.3, 0.3, 0.3]), 4, letterbox)
    assert detector.edge_cut_max == 0.5
    kept = detector.counted(every, letterbox.size)

    assert [(cell.kind, cell.score) for cell in kept] == [
        ("rbc", pytest.approx(0.8)),
        ("wbc", pytest.approx(0.7)),
    ]
    assert len(every) == 3


def copy_of_shipped(tmp_path: Path, **changes) -> Path:
    bundle = tmp_path / "fields_copy"
    shutil.copytree(SHIPPED_DETECTOR_DIR, bundle)
    metadata = json.loads((bundle / "bundle.json").read_text())
    for key, value in changes.items():
        if value is None:
            metadata.pop(key, None)
        else:
            metadata[key] = value
    (bundle / "bundle.json").write_text(json.dumps(metadata))
    return bundle


def test_the_shipped_detector_reads_its_edge_rule_and_an_older_bundle_has_none(detector, tmp_path):
    assert detector.edge_cut_max == detector.metadata["edge_cut_max"] == 0.5

    older = load_detector(copy_of_shipped(tmp_path, edge_cut_max=None))

    assert older.edge_cut_max is None
    with Image.open(BCCD_FIELD) as image:
        cells = older.find_cells(image)
    assert any(cell.kind == "wbc" for cell in cells)
    sliver = Cell("wbc", (0.0, 0.0, 60.0, 4.0), 0.9)  # on the top edge, mostly outside
    assert older.counted([*cells, sliver], (640, 480)) == [*cells, sliver]
    assert sliver not in detector.counted([sliver], (640, 480))


def test_an_edge_rule_that_is_not_a_share_is_refused(detector, tmp_path):
    with pytest.raises(BundleError, match="edge_cut_max"):
        load_detector(copy_of_shipped(tmp_path, edge_cut_max=1.5))
