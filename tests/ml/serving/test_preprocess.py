"""ml.serving.preprocess: a large JPEG is decoded at a reduced scale, never below what the
framing needs."""

import pytest
from PIL import Image

from ml.serving import load_classifier
from ml.serving.preprocess import STRETCH, decode_side, load_image


@pytest.fixture
def photo(tmp_path):
    path = tmp_path / "photo.jpg"
    Image.new("RGB", (2048, 1536), (200, 120, 180)).save(path)
    return path


def test_a_large_jpeg_is_decoded_reduced_but_not_below_the_side_asked(photo):
    image = load_image(photo, min_side=224)
    assert image.size == (512, 384)  # 1/4: the next step, 1/8, would give 192 < 224
    assert image.mode == "RGB"


def test_without_a_side_it_is_decoded_whole(photo):
    assert load_image(photo).size == (2048, 1536)


def test_a_small_image_is_left_whole(tmp_path):
    path = tmp_path / "cell.jpg"
    Image.new("RGB", (360, 363)).save(path)
    assert load_image(path, min_side=224).size == (360, 363)


def test_the_side_needed_grows_as_the_framing_zooms_in():
    assert decode_side(224, STRETCH) == 224
    assert decode_side(224, "cell_field") == 320  # the window is 0.7 of the shorter side
    assert decode_side(224, "cell_crop") == 640  # it may be as small as 0.35


def test_the_classifier_opens_a_file_as_small_as_its_framing_allows(photo):
    classifier = load_classifier("default")
    opened = classifier.open_image(photo)
    assert min(opened.size) >= decode_side(classifier.image_size, classifier.resize_rule)
    assert opened.size[0] < 2048
