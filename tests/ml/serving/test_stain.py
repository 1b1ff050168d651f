"""ml.serving.stain: stained cells absorb green most, against the frame's own background."""

import numpy as np
import pytest
from PIL import Image, ImageDraw

from ml.serving.detector import Cell
from ml.serving.stain import green_margins, looks_stained
from tests.ml.serving.conftest import BCCD_FIELD, FIXTURES

BACKGROUND = (236, 232, 226)  # a slightly warm light source
PINK = (214, 150, 170)  # an eosin-stained red cell: green absorbed most
PURPLE = (120, 70, 150)  # a nucleus
GREY = (140, 140, 140)
BROWN = (150, 100, 60)  # wood, coffee: blue absorbed most
BLUE = (60, 90, 170)  # red absorbed most


def frame_of_discs(colours: list[tuple[int, int, int]]) -> tuple[Image.Image, list[Cell]]:
    image = Image.new("RGB", (640, 480), BACKGROUND)
    draw, cells = ImageDraw.Draw(image), []
    for index, colour in enumerate(colours):
        x, y = 60 + (index % 8) * 75, 60 + (index // 8) * 90
        draw.ellipse((x - 28, y - 28, x + 28, y + 28), fill=colour)
        cells.append(Cell("rbc", (x - 30, y - 30, x + 30, y + 30), 0.9))
    return image, cells


def test_pink_and_purple_cells_absorb_green_most():
    image, cells = frame_of_discs([PINK] * 10 + [PURPLE])

    margins = green_margins(image, cells)

    assert margins.shape == (11,) and (margins[:10] > 0.1).all()
    assert looks_stained(image, cells)


@pytest.mark.parametrize("colour", [GREY, BROWN, BLUE])
def test_grey_brown_or_blue_objects_are_not_stained_cells(colour):
    image, cells = frame_of_discs([colour] * 12)

    assert np.percentile(green_margins(image, cells), 90) < 0.02
    assert not looks_stained(image, cells)


def test_a_field_of_other_objects_with_a_few_stained_cells_still_counts_as_stained():
    image, cells = frame_of_discs([BROWN] * 8 + [PINK] * 2)

    assert looks_stained(image, cells)


def test_no_cells_is_not_stained():
    assert green_margins(Image.new("RGB", (64, 64), BACKGROUND), []).shape == (0,)
    assert not looks_stained(Image.new("RGB", (64, 64), BACKGROUND), [])


def test_every_smear_fixture_looks_stained(detector):
    paths = [BCCD_FIELD, *sorted((FIXTURES / "images").glob("*/*.jp*g"))]
    assert len(paths) > 20
    for path in paths:
        with Image.open(path) as opened:
            image = opened.convert("RGB")
        cells = detector.counted(detector.find_cells(image), image.size)
        assert looks_stained(image, cells), path
