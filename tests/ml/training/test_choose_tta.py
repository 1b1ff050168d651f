"""Choosing test-time views on validation (`python -m ml tta`, ml/training/choose_tta.py)."""

import argparse
import json
import shutil

import pytest

from ml.cli import tta as tta_command
from ml.serving import load_classifier, resolve_bundle, test_time_views
from ml.serving.bundle import read_bundle_metadata, write_bundle_metadata
from ml.training import choose_tta
from ml.training.model_card import views_text
from tests.ml.conftest import FIXTURE_IMAGES, run_command


def test_the_latency_budget_limits_the_choices_and_ties_go_to_fewer_views():
    assert choose_tta.allowed_choices(1) == [test_time_views.NONE]
    assert set(choose_tta.allowed_choices(4)) == {
        test_time_views.NONE,
        test_time_views.ROTATIONS4,
        test_time_views.FLIPS4,
    }
    assert (
        choose_tta.best_choice({test_time_views.NONE: 0.9, test_time_views.ROTATIONS4: 0.9})
        == test_time_views.NONE
    )
    assert choose_tta.best_choice(
        {test_time_views.NONE: 0.9, test_time_views.FLIPS4: 0.91, test_time_views.DIHEDRAL8: 0.91}
    ) == (test_time_views.FLIPS4)


def test_the_command_chooses_on_validation_and_rewrites_the_bundle(
    tiny_bundle, tmp_path, monkeypatch, capsys
):
    copy = tmp_path / "bundle"
    shutil.copytree(tiny_bundle, copy)
    monkeypatch.setenv("HEMATOVISION_CACHE", str(tmp_path / "cache"))
    parser = argparse.ArgumentParser()
    tta_command.add_arguments(parser)

    assert tta_command.run(parser.parse_args(["--model", str(copy), "--apply"])) == 0

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


def test_the_command_keeps_to_the_view_budget(tiny_bundle, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("HEMATOVISION_CACHE", str(tmp_path / "cache"))
    parser = argparse.ArgumentParser()
    tta_command.add_arguments(parser)

    assert (
        tta_command.run(parser.parse_args(["--model", str(tiny_bundle), "--max-views", "4"])) == 0
    )

    report = json.loads(capsys.readouterr().out)
    assert test_time_views.DIHEDRAL8 not in report["val_accuracy"]
    assert test_time_views.view_count(report["chosen_on_validation"]) <= 4


def test_the_command_names_an_unknown_bundle(capsys):
    assert run_command("tta", ["--model", "no-such-bundle"]) == 2
    assert "no model bundle" in capsys.readouterr().err


def test_the_command_refuses_a_budget_of_no_views_and_missing_data(tiny_bundle, tmp_path, capsys):
    parser = argparse.ArgumentParser()
    tta_command.add_arguments(parser)
    with pytest.raises(SystemExit):
        parser.parse_args(["--model", str(tiny_bundle), "--max-views", "0"])
    assert "must be 1 or more" in capsys.readouterr().err

    assert run_command("tta", ["--model", str(tiny_bundle), "--data", str(tmp_path / "none")]) == 2
    assert str(tmp_path / "none") in capsys.readouterr().err


def test_the_command_refuses_a_refit_whose_validation_was_trained_on(tiny_bundle, tmp_path, capsys):
    copy = tmp_path / "bundle"
    shutil.copytree(tiny_bundle, copy)
    refit_of = {"name": "kaggle4", "created": "2026-11-26T21:33:40+00:00", "split_hash": "x"}
    write_bundle_metadata(
        copy, {**read_bundle_metadata(copy), "refit_of": refit_of}, ["model.tflite", "model.keras"]
    )

    assert run_command("tta", ["--model", str(copy), "--apply"]) == 2

    error = capsys.readouterr().err
    assert "not held out" in error and "do it on kaggle4" in error
    assert "test_time_augmentation" not in read_bundle_metadata(copy)


def test_the_exit_confidence_is_the_lowest_level_that_changes_nothing():
    rows = [
        {"exit_confidence": 0.9, "answers_changed": 1, "flags_changed": 0},
        {"exit_confidence": 0.95, "answers_changed": 0, "flags_changed": 2},
        {"exit_confidence": 0.98, "answers_changed": 0, "flags_changed": 0},
        {"exit_confidence": 0.99, "answers_changed": 0, "flags_changed": 0},
    ]

    assert choose_tta.lowest_unchanged(rows) == 0.98
    assert choose_tta.lowest_unchanged(rows[:2]) is None


def test_the_command_chooses_an_exit_confidence_and_writes_only_that(
    tiny_bundle, tmp_path, monkeypatch, capsys
):
    copy = tmp_path / "bundle"
    shutil.copytree(tiny_bundle, copy)
    metadata = read_bundle_metadata(copy)
    metadata["test_time_augmentation"] = test_time_views.FLIPS4
    write_bundle_metadata(copy, metadata, sorted(metadata["files"]))
    monkeypatch.setenv("HEMATOVISION_CACHE", str(tmp_path / "cache"))
    parser = argparse.ArgumentParser()
    tta_command.add_arguments(parser)

    args = ["--model", str(copy), "--exit-confidence", "--apply"]
    assert tta_command.run(parser.parse_args(args)) == 0

    report = json.loads(capsys.readouterr().out)
    assert [row["exit_confidence"] for row in report["val"]] == list(choose_tta.EXIT_GRID)
    shares = [row["first_view_only"] for row in report["val"]]
    assert shares == sorted(shares, reverse=True)
    written = read_bundle_metadata(copy)
    assert written.get("test_time_exit_confidence") == report["chosen"]
    assert {k: v for k, v in written.items() if k != "test_time_exit_confidence"} == {
        k: v for k, v in metadata.items() if k != "test_time_exit_confidence"
    }


def test_a_refit_chooses_its_exit_confidence_on_cells_it_never_saw(tmp_path, capsys):
    copy = tmp_path / "kaggle4"
    shutil.copytree(resolve_bundle("kaggle4"), copy)
    options = ["--model", str(copy), "--exit-confidence"]

    refused = run_command("tta", options)
    refusal = capsys.readouterr().err
    chosen = run_command("tta", [*options, "--images", str(FIXTURE_IMAGES / "neutrophil")])

    assert refused != 0 and "refit" in refusal and "--images" in refusal
    report = json.loads(capsys.readouterr().out)
    assert chosen == 0 and "accuracy" not in report["images"][0]
    assert report["chosen"] == choose_tta.lowest_unchanged(report["images"])


def test_the_model_card_says_when_the_first_view_answers_alone():
    assert views_text({"test_time_augmentation": "flip4"}) == "flip4 (chosen on validation)"
    assert views_text(
        {"test_time_augmentation": "flip4", "test_time_exit_confidence": 0.99}
    ).endswith("the first view answers alone where it is at least 0.99 sure")
