"""ml.views and `python -m ml tta`: the 8 views, their averaging, and the choice on validation."""

import argparse
import json
import shutil

import numpy as np
import pytest

from ml.serving import test_time_views
from ml.serving.bundle import read_bundle_metadata, write_bundle_metadata
from ml.serving.classifier import BundleError, load_classifier
from tests.ml.conftest import run_command


def test_the_eight_views_are_the_flips_and_rotations_of_each_image():
    batch = np.arange(2 * 3 * 3 * 1, dtype=np.float32).reshape(2, 3, 3, 1)

    expanded = test_time_views.dihedral_views(batch)

    assert expanded.shape == (16, 3, 3, 1)
    first = {expanded[k * 2, ..., 0].tobytes() for k in range(8)}
    rotations = {np.rot90(batch[0, ..., 0], k).tobytes() for k in range(4)}
    flipped = {np.rot90(batch[0, ::-1, :, 0], k).tobytes() for k in range(4)}
    assert first == rotations | flipped  # the 8 distinct views of image 0, in slots 0, 2, ...


def test_rot4_holds_the_four_rotations_and_flip4_the_four_flips():
    batch = np.arange(9, dtype=np.float32).reshape(1, 3, 3, 1)
    image = batch[0, ..., 0]

    rotations = {
        v[..., 0].tobytes() for v in test_time_views.tta_views(batch, test_time_views.ROTATIONS4)
    }
    flips = {v[..., 0].tobytes() for v in test_time_views.tta_views(batch, test_time_views.FLIPS4)}

    assert rotations == {np.rot90(image, k).tobytes() for k in range(4)}
    assert flips == {image[r][:, c].tobytes() for r in (slice(None), slice(None, None, -1))
                     for c in (slice(None), slice(None, None, -1))}  # fmt: skip
    assert (
        test_time_views.view_count(test_time_views.ROTATIONS4)
        == test_time_views.view_count(test_time_views.FLIPS4)
        == 4
    )


def test_the_latency_budget_limits_the_choices_and_ties_go_to_fewer_views():
    assert tta.allowed_choices(1) == [test_time_views.NONE]
    assert set(tta.allowed_choices(4)) == {
        test_time_views.NONE,
        test_time_views.ROTATIONS4,
        test_time_views.FLIPS4,
    }
    assert (
        tta.best_choice({test_time_views.NONE: 0.9, test_time_views.ROTATIONS4: 0.9})
        == test_time_views.NONE
    )
    assert tta.best_choice(
        {test_time_views.NONE: 0.9, test_time_views.FLIPS4: 0.91, test_time_views.DIHEDRAL8: 0.91}
    ) == (test_time_views.FLIPS4)


def test_average_undoes_expand_for_per_image_outputs():
    batch = np.random.default_rng(0).random((3, 4, 4, 3)).astype(np.float32)
    # A fake model whose output per view is the image's mean: the same for all 8 views.
    outputs = test_time_views.expand(batch, test_time_views.DIHEDRAL8).mean(axis=(1, 2))

    averaged = test_time_views.average(outputs, test_time_views.DIHEDRAL8)

    assert averaged.shape == (3, 3)
    assert np.allclose(averaged, batch.mean(axis=(1, 2)))
    assert test_time_views.average(outputs, test_time_views.NONE) is outputs


def test_an_unknown_choice_is_an_error():
    with pytest.raises(ValueError, match="unknown test-time augmentation"):
        test_time_views.view_count("rot45")


def test_serving_averages_the_views_when_the_bundle_says_so(tiny_bundle):
    classifier = load_classifier(tiny_bundle)
    batch = np.random.default_rng(1).uniform(0, 255, (2, 64, 64, 3)).astype(np.float32)

    single = classifier.logits(batch, test_time_views.NONE)
    averaged = classifier.logits(batch, test_time_views.DIHEDRAL8)
    by_hand = np.mean([classifier.logits(v[None], test_time_views.NONE)[0] for v in
                       test_time_views.dihedral_views(batch[:1])], axis=0)  # fmt: skip

    assert averaged.shape == single.shape
    assert np.allclose(averaged[0], by_hand, atol=1e-4)
    assert not np.allclose(averaged, single)


def test_the_command_chooses_on_validation_and_rewrites_the_bundle(
    tiny_bundle, tmp_path, monkeypatch, capsys
):
    copy = tmp_path / "bundle"
    shutil.copytree(tiny_bundle, copy)
    monkeypatch.setenv("HEMATOVISION_CACHE", str(tmp_path / "cache"))
    parser = argparse.ArgumentParser()
    tta.add_arguments(parser)

    assert tta.run(parser.parse_args(["--model", str(copy), "--apply"])) == 0

    report = json.loads(capsys.readouterr().out)
    assert set(report["val_accuracy"]) == set(test_time_views.CHOICES)
    chosen = report["chosen_on_validation"]
    best = max(report["val_accuracy"].values())
    assert report["val_accuracy"][chosen] == best
    metadata = read_bundle_metadata(copy, verify_files=("model.tflite", "model.keras"))
    metrics = json.loads((copy / "metrics.json").read_text())
    assert metadata["test_time_augmentation"] == metrics["test_time_augmentation"] == chosen
    assert metrics["val"]["accuracy"] == pytest.approx(best)
    assert load_classifier(copy).tta == chosen
    assert chosen in (copy / "MODEL_CARD.md").read_text()


def test_serving_refuses_an_unknown_choice_in_a_bundle(tiny_bundle, tmp_path):
    copy = tmp_path / "bundle"
    shutil.copytree(tiny_bundle, copy)
    metadata = {**read_bundle_metadata(copy), "test_time_augmentation": "rot45"}
    write_bundle_metadata(copy, metadata, ["model.tflite", "model.keras"])

    with pytest.raises(BundleError, match="test_time_augmentation"):
        load_classifier(copy)


def test_the_command_keeps_to_the_view_budget(tiny_bundle, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("HEMATOVISION_CACHE", str(tmp_path / "cache"))
    parser = argparse.ArgumentParser()
    tta.add_arguments(parser)

    assert tta.run(parser.parse_args(["--model", str(tiny_bundle), "--max-views", "4"])) == 0

    report = json.loads(capsys.readouterr().out)
    assert test_time_views.DIHEDRAL8 not in report["val_accuracy"]
    assert test_time_views.view_count(report["chosen_on_validation"]) <= 4


def test_the_command_names_an_unknown_bundle(capsys):
    assert run_command(tta, ["--model", "no-such-bundle"]) == 2
    assert "no model bundle" in capsys.readouterr().err


def test_the_command_refuses_a_budget_of_no_views_and_missing_data(tiny_bundle, tmp_path, capsys):
    parser = argparse.ArgumentParser()
    tta.add_arguments(parser)
    with pytest.raises(SystemExit):
        parser.parse_args(["--model", str(tiny_bundle), "--max-views", "0"])
    assert "must be 1 or more" in capsys.readouterr().err

    assert run_command(tta, ["--model", str(tiny_bundle), "--data", str(tmp_path / "none")]) == 2
    assert str(tmp_path / "none") in capsys.readouterr().err


def test_the_command_refuses_a_refit_whose_validation_was_trained_on(tiny_bundle, tmp_path, capsys):
    copy = tmp_path / "bundle"
    shutil.copytree(tiny_bundle, copy)
    refit_of = {"name": "kaggle4", "created": "2026-11-26T21:33:40+00:00", "split_hash": "x"}
    write_bundle_metadata(
        copy, {**read_bundle_metadata(copy), "refit_of": refit_of}, ["model.tflite", "model.keras"]
    )

    assert run_command(tta, ["--model", str(copy), "--apply"]) == 2

    error = capsys.readouterr().err
    assert "not held out" in error and "do it on kaggle4" in error
    assert "test_time_augmentation" not in read_bundle_metadata(copy)
