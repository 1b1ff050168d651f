"""ml.training.selective: coverage curves, the share flagged at a threshold, the confidence
summary."""

import json

import numpy as np
import pytest

from ml.serving.bundle import read_bundle_metadata, update_bundle_metadata
from ml.training import selective
from tests.ml.conftest import FIXTURE_IMAGES, run_command


def test_the_coverage_curve_drops_the_least_confident_first():
    curve = selective.coverage_curve(np.array([0.9, 0.6, 0.8, 0.3]), np.array([1, 0, 1, 0]))
    assert curve["coverage"].tolist() == [0.25, 0.5, 0.75, 1.0]
    assert curve["accuracy"].tolist() == [1.0, 1.0, pytest.approx(2 / 3), 0.5]
    assert curve["threshold"].tolist() == [0.9, 0.8, 0.6, 0.3]


def test_at_threshold_counts_the_flagged_share_and_the_accuracy_of_the_rest():
    scores = selective.at_threshold(np.array([0.9, 0.6, 0.8, 0.3]), np.array([1, 0, 1, 0]), 0.7)
    assert scores["flagged_share"] == 0.5
    assert scores["accuracy_kept"] == 1.0
    assert scores["accuracy_all"] == 0.5


def test_the_confidence_summary_has_quantiles_histogram_and_unidentified_share():
    summary = selective.confidence_summary(np.array([0.2, 0.6, 0.95, 0.99]), threshold=0.5)
    assert summary["n"] == 4
    assert summary["median"] == pytest.approx(0.775)
    assert summary["unidentified_share"] == 0.25
    assert sum(summary["histogram"]["counts"]) == 4
    assert len(summary["histogram"]["edges"]) == selective.HISTOGRAM_BINS + 1
    assert json.loads(json.dumps(summary)) == summary
    assert selective.confidence_summary(np.array([]), 0.5)["median"] == 0.0


def test_the_plot_is_a_png(tmp_path):
    curves = {"in-lab": (np.array([0.9, 0.5]), np.array([1, 0]))}
    selective.plot_coverage_curves(curves, tmp_path / "c.png", "test", threshold=0.6)
    assert (tmp_path / "c.png").read_bytes()[:4] == b"\x89PNG"


def test_the_command_stores_the_validation_summary_in_the_bundle(tiny_bundle, tmp_path, capsys):
    import shutil

    bundle = tmp_path / "bundle"
    shutil.copytree(tiny_bundle, bundle)
    argv = ["--model", str(bundle), "--data", str(FIXTURE_IMAGES), "--out", str(tmp_path / "c.png")]
    assert run_command("selective", [*argv, "--json", "--store-validation-summary"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["n"] == len(list(FIXTURE_IMAGES.glob("*/*.jp*g")))
    stored = read_bundle_metadata(bundle)["validation_confidence"]
    assert stored == report["confidence"]
    assert (tmp_path / "c.png").is_file()


def test_a_refit_keeps_the_validation_summary_it_was_given(tiny_bundle, tmp_path, capsys):
    """A refit trained on its validation split: it keeps the summary of the bundle it refits."""
    import shutil

    bundle = tmp_path / "bundle"
    shutil.copytree(tiny_bundle, bundle)
    refit_of = {"name": "pbc8", "created": "2026-11-26T12:44:32+00:00", "split_hash": "x"}
    update_bundle_metadata(bundle, {"refit_of": refit_of})
    before = read_bundle_metadata(bundle)["validation_confidence"]

    argv = ["--model", str(bundle), "--data", str(FIXTURE_IMAGES), "--store-validation-summary"]
    assert run_command("selective", argv) == 2

    assert "not held out" in capsys.readouterr().err
    assert read_bundle_metadata(bundle)["validation_confidence"] == before
