"""ml.robustness: re-encoding variants, and the command on a sample of the fixture images."""

import json

import pytest
from PIL import Image

from ml import robustness
from tests.ml.conftest import FIXTURE_IMAGES, run_command

FIXTURE = FIXTURE_IMAGES / "neutrophil" / "pbc_BNE_100878.jpg"


def test_every_variant_gives_back_an_rgb_image():
    image = Image.open(FIXTURE).convert("RGB")
    for name, transform in robustness.variants().items():
        changed = transform(image)
        assert changed.mode == "RGB", name
        if not name.startswith("resize"):
            assert changed.size == image.size, name


def test_the_variants_cover_the_issue():
    names = set(robustness.variants())
    for quality in (50, 100):
        assert {f"jpeg_q{quality}_420", f"jpeg_q{quality}_444"} <= names
    assert {"png", "tiff", "bmp", "resize_0.5x", "resize_2.0x"} <= names


def test_lossless_formats_keep_every_pixel():
    image = Image.open(FIXTURE).convert("RGB")
    for name in ("png", "tiff", "bmp"):
        assert robustness.variants()[name](image).tobytes() == image.tobytes()


def test_resize_scales_both_sides():
    image = Image.open(FIXTURE).convert("RGB")
    assert robustness.resize(image, 0.5).size == (round(image.width / 2), round(image.height / 2))


def test_it_rejects_an_unknown_variant():
    with pytest.raises(ValueError, match="jpeg_q50_420"):
        robustness.select_variants("jpeg_q42")


def test_the_command_prints_agreement_per_variant(tiny_bundle, capsys):
    variants = "png,bmp,jpeg_q50_420,resize_0.5x"
    argv = ["--model", str(tiny_bundle), "--data", str(FIXTURE_IMAGES), "--limit", "6"]
    assert run_command(robustness, [*argv, "--variants", variants, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["n"] == 6
    assert list(report["variants"]) == variants.split(",")
    # Lossless formats decode to the same pixels, so the label cannot change.
    assert report["variants"]["png"]["agreement"] == 1.0
    assert report["variants"]["bmp"]["changed"] == 0
    assert 0.0 <= report["variants"]["jpeg_q50_420"]["agreement"] <= 1.0
    assert report["passed"] == (report["min_agreement"] >= 0.99)


def test_the_command_reports_a_missing_model(capsys):
    assert run_command(robustness, ["--model", "no-such-model", "--data", str(FIXTURE_IMAGES)]) == 2
    assert "no model bundle" in capsys.readouterr().err
