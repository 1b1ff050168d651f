"""ml.training.reencode: the re-encodings a cell image goes through on its way to the portal."""

import numpy as np
from PIL import Image

from ml.training import reencode
from tests.ml.conftest import FIXTURE_IMAGES

FIXTURE = FIXTURE_IMAGES / "neutrophil" / "pbc_BNE_100878.jpg"


def test_every_variant_gives_back_an_rgb_image():
    image = Image.open(FIXTURE).convert("RGB")
    for name, transform in reencode.variants().items():
        changed = transform(image)
        assert changed.mode == "RGB", name
        if not name.startswith("resize"):
            assert changed.size == image.size, name


def test_the_variants_cover_the_issue():
    names = set(reencode.variants())
    for quality in (50, 100):
        assert {f"jpeg_q{quality}_420", f"jpeg_q{quality}_444"} <= names
    assert {"png", "tiff", "bmp", "resize_0.5x", "resize_2.0x"} <= names


def test_lossless_formats_keep_every_pixel():
    image = Image.open(FIXTURE).convert("RGB")
    for name in ("png", "tiff", "bmp"):
        assert reencode.variants()[name](image).tobytes() == image.tobytes()


def test_resize_scales_both_sides():
    image = Image.open(FIXTURE).convert("RGB")
    assert reencode.resize(image, 0.5).size == (round(image.width / 2), round(image.height / 2))


def test_a_random_reencoding_stays_within_the_variants_range():
    image = Image.open(FIXTURE).convert("RGB")
    rng = np.random.default_rng(0)
    sizes = set()
    for _ in range(40):
        changed = reencode.random_reencoding(image, rng)
        assert changed.mode == "RGB"
        assert image.width / 2 - 1 <= changed.width <= image.width * 2 + 1
        sizes.add(changed.size)
    assert image.size in sizes  # JPEG re-saves keep the size
    assert len(sizes) > 5  # resizes vary the scale


def test_a_random_reencoding_keeps_to_the_scales_it_is_given():
    image = Image.open(FIXTURE).convert("RGB")
    rng = np.random.default_rng(1)
    for _ in range(40):
        changed = reencode.random_reencoding(image, rng, scales=(0.5, 1.0))
        assert image.width / 2 - 1 <= changed.width <= image.width
