"""research.robustness: the variant choice, and the study on a sample of the fixture images."""

import json

import pytest
from PIL import Image

from ml.serving.classifier import Prediction
from research.robustness import study as robustness
from research.tests.conftest import FIXTURE_IMAGES, run_study


def test_it_rejects_an_unknown_variant():
    with pytest.raises(ValueError, match="jpeg_q50_420"):
        robustness.select_variants("jpeg_q42")


class ColourClassifier:
    """Labels full-size images "a" at 0.9; halved ones by colour (made-up outcomes)."""

    confidence_threshold = 0.7
    halved = {"red": ("b", 0.9), "green": ("b", 0.5), "blue": ("a", 0.9)}

    def predict(self, images):
        predictions = []
        for image in images:
            colour = {(255, 0, 0): "red", (0, 255, 0): "green"}.get(image.getpixel((0, 0)), "blue")
            label, confidence = ("a", 0.9) if image.width == 8 else self.halved[colour]
            predictions.append(Prediction(label, confidence, {label: confidence}))
        return predictions


def test_measure_counts_label_changes_that_nobody_is_warned_about(tmp_path):
    items = []
    for colour, rgb in {"red": (255, 0, 0), "green": (0, 255, 0), "blue": (0, 0, 255)}.items():
        path = tmp_path / f"{colour}.png"
        Image.new("RGB", (8, 8), rgb).save(path)
        items.append((path, "a"))
    halve = {"half": lambda image: image.resize((4, 4))}

    report = robustness.measure(ColourClassifier(), items, halve)

    half = report["variants"]["half"]
    assert half["changed"] == 2  # red and green
    assert half["changed_unflagged"] == 1  # red: 0.9 both times; green's 0.5 is flagged
    assert half["accuracy"] == pytest.approx(1 / 3)


def test_the_command_prints_agreement_per_variant(tiny_bundle, capsys):
    variants = "png,bmp,jpeg_q50_420,resize_0.5x"
    argv = ["--model", str(tiny_bundle), "--data", str(FIXTURE_IMAGES), "--limit", "6"]
    assert run_study("robustness", [*argv, "--variants", variants, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["n"] == 6
    assert list(report["variants"]) == variants.split(",")
    # Lossless formats decode to the same pixels, so the label cannot change.
    assert report["variants"]["png"]["agreement"] == 1.0
    assert report["variants"]["bmp"]["changed"] == 0
    assert report["variants"]["bmp"]["changed_unflagged"] == 0
    assert 0.0 <= report["variants"]["jpeg_q50_420"]["agreement"] <= 1.0
    assert report["passed"] == (report["min_agreement"] >= 0.99)


def test_the_command_reports_a_missing_model(capsys):
    assert run_study("robustness", ["--model", "no-such-model", "--data", str(FIXTURE_IMAGES)]) == 2
    assert "no model bundle" in capsys.readouterr().err
