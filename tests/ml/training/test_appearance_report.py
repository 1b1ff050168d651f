"""`python -m ml appearance`: the training summary stored in a bundle, and a folder compared with
it (ml/training/appearance_report.py)."""

import json
import shutil

from tests.ml.conftest import FIXTURE_IMAGES, run_command


def test_the_command_stores_the_training_summary_and_compares_a_folder(
    tiny_bundle, tmp_path, monkeypatch, capsys
):
    copy = tmp_path / "bundle"
    shutil.copytree(tiny_bundle, copy)
    monkeypatch.setenv("HEMATOVISION_CACHE", str(tmp_path / "cache"))

    argv = ["--model", str(copy), "--store", "--data", str(FIXTURE_IMAGES)]
    assert run_command("appearance", argv) == 0

    report = json.loads(capsys.readouterr().out)
    stored = json.loads((copy / "bundle.json").read_text())["training_appearance"]
    assert stored == report["training_appearance"] and stored["n"] > 0
    assert report["data"]["n"] > 0
    assert isinstance(report["outside_reference_range"], list)
    assert 0.0 <= report["flagged_share_of_50_image_windows"] <= 1.0


def test_the_command_names_an_unknown_bundle(capsys):
    assert run_command("appearance", ["--model", "no-such-bundle"]) == 2
    assert "no model bundle" in capsys.readouterr().err
