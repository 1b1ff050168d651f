"""ml.robustness: the variant choice, and the command on a sample of the fixture images."""

import json

import pytest

from ml import robustness
from tests.ml.conftest import FIXTURE_IMAGES, run_command


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
