"""python -m ml fields evaluate / predict: the JSON contract, and user errors end with exit 2."""

import json
from pathlib import Path

import pytest

from tests.ml.conftest import run_command
from tests.shipped import require_shipped_detector

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
FIELDS_DIR = FIXTURES / "fields"
TEXT_PAGE = FIXTURES / "nonblood" / "text_page.jpg"
CLASS_KEYS = {"precision", "recall", "f1", "count_error_pct"}


@pytest.fixture(autouse=True)
def shipped_detector():
    require_shipped_detector()


def test_evaluate_prints_the_contract_keys(capsys):
    code = run_command("fields", ["evaluate", "--data", str(FIELDS_DIR), "--json"])

    result = json.loads(capsys.readouterr().out)
    assert code == 0
    assert result["n_images"] == 3
    assert set(result["per_class"]) == {"wbc", "rbc", "platelet"}
    for scores in result["per_class"].values():
        assert CLASS_KEYS <= set(scores)
        assert all(isinstance(scores[key], float) for key in CLASS_KEYS)
    assert isinstance(result["ms_per_image_p50"], float)


def test_evaluate_adds_average_precision_on_request(capsys):
    code = run_command("fields", ["evaluate", "--data", str(FIELDS_DIR), "--ap", "--json"])

    result = json.loads(capsys.readouterr().out)
    assert code == 0
    assert set(result["ap50"]) == {"wbc", "rbc", "platelet"}


def test_predict_lists_counts_and_cells_with_white_cells_labelled(capsys):
    field = FIELDS_DIR / "images" / "BloodImage_00094.jpg"

    code = run_command(
        "fields", ["predict", "--classifier", "kaggle4", str(field), str(TEXT_PAGE), "--json"]
    )

    [found, page] = json.loads(capsys.readouterr().out)
    assert code == 0
    assert found["image"] == str(field)
    assert (found["kind"], page["kind"]) == ("field", "none")
    assert set(found["counts"]) == {"wbc", "rbc", "platelet"}
    assert found["counts"]["wbc"] == 1 and len(found["cells"]) == sum(found["counts"].values())
    [wbc] = [cell for cell in found["cells"] if cell["kind"] == "wbc"]
    assert wbc["label"] in {"eosinophil", "lymphocyte", "monocyte", "neutrophil"}
    assert isinstance(wbc["confidence"], float) and isinstance(wbc["unidentified"], bool)
    assert len(wbc["box"]) == 4 and isinstance(wbc["score"], float)
    rbc = next(cell for cell in found["cells"] if cell["kind"] == "rbc")
    assert rbc["label"] is None and rbc["confidence"] is None and rbc["unidentified"] is None
    assert page["counts"] == {"wbc": 0, "rbc": 0, "platelet": 0} and page["cells"] == []


def test_evaluate_of_a_folder_without_labels_is_a_user_error(tmp_path, capsys):
    code = run_command("fields", ["evaluate", "--data", str(tmp_path)])

    assert code == 2
    assert capsys.readouterr().err.startswith("error: ")


def test_an_unknown_detector_is_a_user_error(capsys):
    code = run_command("fields", ["predict", "--detector", "nope", str(TEXT_PAGE)])

    assert code == 2
    assert "no model bundle 'nope'" in capsys.readouterr().err


def test_route_counts_kinds_of_a_flat_folder(tmp_path, capsys):
    for path in (FIELDS_DIR / "images" / "BloodImage_00094.jpg", TEXT_PAGE):
        (tmp_path / path.name).write_bytes(path.read_bytes())

    code = run_command("fields", ["route", "--data", str(tmp_path), "--json"])

    result = json.loads(capsys.readouterr().out)
    assert code == 0
    assert result["kinds"] == {"cell": 0, "field": 1, "none": 1}
    assert result["reasons"] == {"no_cells": 1}
    assert "accuracy_route" not in result


def test_route_scores_a_classifier_through_the_route_on_class_folders(tmp_path, capsys):
    folder = tmp_path / "neutrophil"
    folder.mkdir()
    for path in sorted((FIXTURES / "images" / "neutrophil").glob("pbc_*")):
        (folder / path.name).write_bytes(path.read_bytes())

    code = run_command(
        "fields", ["route", "--data", str(tmp_path), "--classifier", "pbc8", "--json"]
    )

    result = json.loads(capsys.readouterr().out)
    assert code == 0
    assert result["kinds"] == {"cell": 2, "field": 0, "none": 0}
    assert result["accuracy_route"] == result["accuracy_whole"] == 1.0
