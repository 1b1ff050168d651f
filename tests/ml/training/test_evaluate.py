"""python -m ml evaluate: metrics of a bundle's TFLite model on an image-folder tree."""

import json
import subprocess
import sys

from ml.training import paths
from tests.ml.conftest import FIXTURE_IMAGES, fixture_labels, run_command

REPORT_KEYS = {"model", "n", "accuracy", "macro_f1", "labels", "per_class", "confusion_matrix"}


def _folder_with(tmp_path, class_names):
    root = tmp_path / "data"
    root.mkdir()
    for name in class_names:
        (root / name).symlink_to(FIXTURE_IMAGES / name, target_is_directory=True)
    return root


def test_it_prints_one_json_report(tiny_bundle, capsys):
    code = run_command(
        "evaluate", ["--model", str(tiny_bundle), "--data", str(FIXTURE_IMAGES), "--json"]
    )

    report = json.loads(capsys.readouterr().out)
    assert code == 0
    assert set(report) == REPORT_KEYS
    assert report["model"] == "tiny"
    assert report["n"] == len(list(FIXTURE_IMAGES.glob("*/*")))
    assert report["labels"] == fixture_labels()
    assert sum(map(sum, report["confusion_matrix"])) == report["n"]
    assert set(report["per_class"]["ig"]) == {"precision", "recall", "f1", "support"}


def test_the_confusion_matrix_rows_are_the_true_classes(tiny_bundle, capsys):
    run_command("evaluate", ["--model", str(tiny_bundle), "--data", str(FIXTURE_IMAGES), "--json"])

    report = json.loads(capsys.readouterr().out)
    for label, row in zip(report["labels"], report["confusion_matrix"], strict=True):
        assert sum(row) == report["per_class"][label]["support"]
        assert sum(row) == len(list((FIXTURE_IMAGES / label).iterdir()))


def test_it_scores_data_with_fewer_classes_against_all_the_models_classes(
    tiny_bundle, tmp_path, capsys
):
    data = _folder_with(tmp_path, ["lymphocyte", "neutrophil"])

    code = run_command("evaluate", ["--model", str(tiny_bundle), "--data", str(data), "--json"])

    report = json.loads(capsys.readouterr().out)
    assert code == 0
    assert report["labels"] == fixture_labels()
    assert report["n"] == 8
    assert report["per_class"]["basophil"]["support"] == 0
    assert len(report["confusion_matrix"]) == len(fixture_labels())


def test_it_rejects_a_class_folder_the_model_does_not_know(tiny_bundle, tmp_path, capsys):
    data = _folder_with(tmp_path, ["lymphocyte"])
    (data / "smudge_cell").mkdir()

    code = run_command("evaluate", ["--model", str(tiny_bundle), "--data", str(data), "--json"])

    captured = capsys.readouterr()
    assert code == 2
    assert captured.out == ""
    assert "smudge_cell" in captured.err
    assert all(label in captured.err for label in fixture_labels())


def test_it_prints_a_table_without_json(tiny_bundle, capsys):
    code = run_command("evaluate", ["--model", str(tiny_bundle), "--data", str(FIXTURE_IMAGES)])

    out = capsys.readouterr().out
    assert code == 0
    assert "macro F1" in out
    assert "platelet" in out


def test_it_fails_on_an_unknown_model(capsys):
    code = run_command("evaluate", ["--model", "no-such-bundle", "--data", str(FIXTURE_IMAGES)])

    assert code == 2
    assert "no model bundle" in capsys.readouterr().err


def test_the_command_keeps_stdout_for_json_and_progress_on_stderr(tiny_bundle):
    result = subprocess.run(
        [sys.executable, "-m", "ml", "evaluate", "--model", str(tiny_bundle)]
        + ["--data", str(FIXTURE_IMAGES), "--json"],
        cwd=paths.REPO_ROOT,
        capture_output=True,
        text=True,
    )

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["n"] == len(list(FIXTURE_IMAGES.glob("*/*")))
    assert "evaluate" in result.stderr  # the progress bar


def test_the_shipped_bundle_scores_the_pbc_fixtures(shipped_pbc8, tmp_path, capsys):
    data = tmp_path / "pbc"
    for label in fixture_labels():
        (data / label).mkdir(parents=True)
        for path in (FIXTURE_IMAGES / label).glob("pbc_*"):
            (data / label / path.name).symlink_to(path)

    run_command("evaluate", ["--model", "pbc8", "--data", str(data), "--json"])

    assert json.loads(capsys.readouterr().out)["accuracy"] >= 0.8
