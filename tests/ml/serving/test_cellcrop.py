"""ml.serving.cellcrop: the stained cell is found, framed to its size, and blank fields fall
back."""

import numpy as np
import pytest
from PIL import Image, ImageDraw

from ml.serving.cellcrop import (
    CROP_FACTOR,
    FIELD_SHARE,
    MIN_SIDE,
    crop_field,
    crop_to_cell,
    locate_cell,
    locate_field,
)
from ml.serving.preprocess import (
    CELL_CROP,
    CELL_FIELD,
    STRETCH,
    framed_region,
    model_input,
    resize_to_array,
)
from tests.ml.conftest import FIXTURE_IMAGES

BACKGROUND = (225, 215, 205)  # pale, like a smear's background
RED_CELL = (215, 160, 160)  # blue - green ~ 0: not stain
NUCLEUS = (110, 50, 160)  # violet: blue - green = 110


def smear(size=(320, 240), discs=(), red_cells=()) -> Image.Image:
    image = Image.new("RGB", size, BACKGROUND)
    draw = ImageDraw.Draw(image)
    for x, y, radius in red_cells:
        draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=RED_CELL)
    for x, y, radius in discs:
        draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=NUCLEUS)
    return image


def test_it_centres_the_crop_on_the_stained_cell_and_scales_it_to_the_cell():
    image = smear(discs=[(220, 90, 30)], red_cells=[(60, 60, 25), (80, 180, 25)])

    box = locate_cell(image)

    assert box.left + box.side / 2 == pytest.approx(220, abs=4)
    assert box.top + box.side / 2 == pytest.approx(90, abs=4)
    assert box.side == pytest.approx(CROP_FACTOR * 60, rel=0.1)


def test_the_lobes_of_one_nucleus_make_one_cell():
    # A neutrophil-like nucleus: three lobes a few pixels apart.
    image = smear(discs=[(140, 120, 14), (172, 120, 14), (156, 146, 14)])

    box = locate_cell(image)

    assert box.left + box.side / 2 == pytest.approx(156, abs=5)
    assert box.side == pytest.approx(CROP_FACTOR * 60, rel=0.15)


def test_it_picks_the_white_cell_not_a_platelet():
    image = smear(discs=[(60, 60, 5), (230, 150, 32), (290, 30, 4)])

    box = locate_cell(image)

    assert box.left + box.side / 2 == pytest.approx(230, abs=5)


def test_a_small_blob_keeps_a_minimum_field_of_view():
    image = smear(discs=[(160, 120, 8)])

    box = locate_cell(image)

    assert box.side == pytest.approx(MIN_SIDE * 240, rel=0.05)


def test_the_crop_stays_inside_the_image_when_it_fits():
    image = smear(discs=[(300, 220, 20)])

    box = locate_cell(image)

    assert 0 <= box.left and box.left + box.side <= 320
    assert 0 <= box.top and box.top + box.side <= 240


def test_a_field_with_no_stain_falls_back_to_the_whole_image():
    image = smear(red_cells=[(100, 100, 30), (200, 120, 30)])

    assert locate_cell(image) is None
    assert np.array_equal(crop_to_cell(image, 64), resize_to_array(image, 64, STRETCH))


@pytest.mark.parametrize("path", sorted(FIXTURE_IMAGES.glob("*/*")), ids=lambda p: p.name)
def test_real_fixture_images_are_cropped_around_a_darker_violet_centre(path):
    image = Image.open(path).convert("RGB")

    array = crop_to_cell(image, 96)

    assert array.shape == (96, 96, 3) and array.dtype == np.uint8
    score = array[..., 2].astype(int) - array[..., 1].astype(int)
    centre, border = score[32:64, 32:64].mean(), np.concatenate([score[:8], score[-8:]]).mean()
    assert centre > border  # the stained cell, not the background, is in the middle


def test_model_input_applies_the_named_rule():
    image = smear(discs=[(250, 60, 25)])

    stretched = model_input([image], 32)[0]
    cropped = model_input([image], 32, CELL_CROP)[0]

    assert stretched.shape == cropped.shape == (32, 32, 3)
    assert cropped[16, 16].tolist() == list(NUCLEUS)
    assert stretched[16, 16].tolist() == list(BACKGROUND)


def test_an_unknown_rule_is_an_error():
    with pytest.raises(ValueError, match="unknown resize rule"):
        resize_to_array(smear(), 32, "squash")


def test_the_framed_region_is_what_the_model_sees():
    image = smear(discs=[(250, 60, 25)])

    region = framed_region(image, CELL_CROP)

    assert region.size[0] == region.size[1] == round(locate_cell(image).side)
    assert framed_region(image, STRETCH) is image
    seen = np.asarray(region.resize((32, 32), Image.Resampling.BILINEAR)).astype(int)
    assert np.abs(seen - model_input([image], 32, CELL_CROP)[0]).mean() < 2


def test_the_field_keeps_a_cells_true_size_where_the_crop_scales_it_away():
    small = smear(discs=[(160, 120, 20)])
    large = smear(discs=[(160, 120, 40)])

    def stained_share(array):
        return float((array[..., 2].astype(int) - array[..., 1].astype(int) > 60).mean())

    assert stained_share(crop_to_cell(large, 64)) == pytest.approx(
        stained_share(crop_to_cell(small, 64)), rel=0.25
    )
    assert stained_share(crop_field(large, 64)) > 3 * stained_share(crop_field(small, 64))


def test_the_field_is_a_fixed_share_of_the_shorter_side_centred_on_the_cell():
    image = smear(discs=[(200, 110, 20)])

    box = locate_field(image)

    assert box.side == pytest.approx(FIELD_SHARE * 240)
    assert box.left + box.side / 2 == pytest.approx(200, abs=4)
    assert 0 <= box.top and box.top + box.side <= 240


def test_the_field_frames_a_resized_file_the_same_way():
    image = smear(discs=[(200, 110, 20)], red_cells=[(80, 60, 25)])
    doubled = image.resize((640, 480), Image.Resampling.BILINEAR)

    difference = np.abs(crop_field(image, 64).astype(int) - crop_field(doubled, 64).astype(int))

    assert difference.mean() < 3


def test_a_field_with_no_stain_is_centred_on_the_image():
    image = smear(red_cells=[(100, 100, 30)])

    box = locate_field(image)

    assert (box.left + box.side / 2, box.top + box.side / 2) == pytest.approx((160, 120))


def test_the_framed_field_is_what_the_model_sees():
    image = smear(discs=[(250, 60, 25)])

    region = framed_region(image, CELL_FIELD)

    seen = np.asarray(region.resize((32, 32), Image.Resampling.BILINEAR)).astype(int)
    assert np.array_equal(seen, model_input([image], 32, CELL_FIELD)[0])
