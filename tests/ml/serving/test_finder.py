"""ml.serving.finder: every image routed to cell, field or none, on real images."""

from pathlib import Path

from PIL import Image, ImageFilter

from ml.serving.detector import Cell
from ml.serving.finder import (
    CELL,
    FIELD,
    NO_CELLS,
    NONE,
    OUT_OF_FOCUS,
    TOO_SMALL,
    centred_cell,
    route_image,
    shows_blood,
)
from ml.serving.wbc_crop import CROP_SIDE
from tests.ml.serving.conftest import BCCD_FIELD, BCCD_LABELS, FIXTURES, TEXT_PAGE

PBC_CELL = FIXTURES / "images" / "neutrophil" / "pbc_BNE_100878.jpg"
PBC_PLATELET = FIXTURES / "images" / "platelet" / "pbc_PLATELET_100161.jpg"
COFFEE_PHOTO = FIXTURES / "nonblood" / "coffee_photo.jpg"  # brown and white objects
COINS_GREY = FIXTURES / "nonblood" / "coins_grey.jpg"  # a grey photograph


def open_rgb(path: Path) -> Image.Image:
    with Image.open(path) as image:
        return image.convert("RGB")


def test_it_routes_a_bccd_field_to_field_with_a_crop_of_its_white_cell(detector):
    image = open_rgb(BCCD_FIELD)
    [label] = [line.split() for line in BCCD_LABELS.read_text().splitlines() if line[0] == "0"]
    cx, cy = float(label[1]) * image.width, float(label[2]) * image.height

    route = route_image(image, detector)

    assert route.kind == FIELD
    [wbc] = route.classified
    x0, y0, x1, y1 = wbc.box
    assert x0 <= cx <= x1 and y0 <= cy <= y1
    assert [crop.size for crop in route.inputs] == [(CROP_SIDE, CROP_SIDE)]
    assert route.counts["wbc"] == 1 and route.counts["rbc"] >= 10


def test_a_white_cell_mostly_outside_a_field_is_found_but_neither_counted_nor_classified(
    detector, monkeypatch
):
    image = open_rgb(BCCD_FIELD)
    found = detector.find_cells(image)
    sliver = Cell("wbc", (300.0, 0.0, 400.0, 20.0), 0.9)  # 20 px of a 100 px cell: 0.8 outside
    monkeypatch.setattr(detector, "find_cells", lambda _: [sliver, *found])

    route = route_image(image, detector)

    assert sliver not in route.cells
    assert len(route.classified) == route.counts["wbc"] == 1


def test_it_routes_a_pbc_image_to_cell_and_shows_the_classifier_the_whole_image(detector):
    image = open_rgb(PBC_CELL)

    route = route_image(image, detector)

    assert route.kind == CELL
    assert route.inputs == (image,)
    [centre] = route.classified
    assert centre.kind == "wbc"


def test_a_square_frame_centred_on_a_sure_white_cell_is_a_cell_without_red_cells_around(
    detector, monkeypatch
):
    image = open_rgb(PBC_CELL)
    [centre] = route_image(image, detector).classified
    found = {"centred": [centre], "faint": [Cell("wbc", centre.box, 0.45)]}
    found["off centre"] = [Cell("wbc", (0.0, 0.0, 80.0, 80.0), 0.9)]
    kinds = {}
    for name, cells in found.items():
        monkeypatch.setattr(detector, "find_cells", lambda _, cells=cells: cells)
        kinds[name] = route_image(image, detector).kind

    assert centre.score >= 0.5
    assert kinds == {"centred": CELL, "faint": NONE, "off centre": NONE}


def test_it_routes_a_pbc_platelet_image_without_a_white_cell_to_cell(detector):
    route = route_image(open_rgb(PBC_PLATELET), detector)

    assert route.kind == CELL


def test_it_finds_no_blood_cells_on_a_typed_page(detector):
    route = route_image(open_rgb(TEXT_PAGE), detector)

    assert (route.kind, route.reason, route.inputs) == (NONE, NO_CELLS, ())


def test_it_finds_no_blood_cells_in_photographs_whose_found_cells_are_not_stained(detector):
    for photo in (COFFEE_PHOTO, COINS_GREY):
        image = open_rgb(photo)
        found = detector.counted(detector.find_cells(image), image.size)

        route = route_image(image, detector)

        assert shows_blood(found), photo  # enough cells for a smear, by number and score alone
        assert (route.kind, route.reason, route.inputs) == (NONE, NO_CELLS, ()), photo


def test_it_calls_a_blurred_field_out_of_focus(detector):
    blurred = open_rgb(BCCD_FIELD).filter(ImageFilter.GaussianBlur(8))

    route = route_image(blurred, detector)

    assert (route.kind, route.reason) == (NONE, OUT_OF_FOCUS)


def test_it_calls_a_blank_frame_out_of_focus_and_an_icon_too_small(detector):
    blank = Image.new("RGB", (640, 480), (230, 220, 230))
    icon = open_rgb(PBC_CELL).resize((48, 48))

    assert route_image(blank, detector).reason == OUT_OF_FOCUS
    assert route_image(icon, detector).reason == TOO_SMALL


def cell(kind: str, x: float, y: float, score: float = 0.9) -> Cell:
    return Cell(kind, (x - 20, y - 20, x + 20, y + 20), score)


def test_a_square_frame_centred_on_a_white_cell_is_a_single_cell_image():
    wbc = cell("wbc", 182, 175)

    assert centred_cell((360, 363), [cell("rbc", 30, 30), wbc]) == (True, wbc)
    assert centred_cell((360, 363), [cell("wbc", 60, 60)])[0] is False
    assert centred_cell((640, 480), [cell("wbc", 320, 240)])[0] is False


def test_a_few_weak_cells_are_not_a_smear():
    assert not shows_blood([cell("rbc", 10, 10, 0.45)] * 4)
    assert not shows_blood([cell("rbc", 10, 10, 0.9)] * 2)
    assert shows_blood([cell("rbc", 10, 10, 0.45)] * 12)
    assert shows_blood([cell("wbc", 10, 10, 0.7)] + [cell("rbc", 10, 10, 0.3)] * 2)
