"""`python -m ml adapt`: self-training a bundle on a folder of a lab's unlabelled images."""

import json
import math
import shutil

import pytest

from ml.adaptation import adapt
from ml.serving.bundle import read_bundle_metadata
from tests.ml.conftest import FIXTURE_IMAGES, run_command

pytest.importorskip("tensorflow")


@pytest.fixture
def lab_folder(tmp_path):
    """A lab's uploads as they come: nested folders, no labels, a stray text file."""
    lab = tmp_path / "lab"
    for index, source in enumerate(sorted(FIXTURE_IMAGES.glob("*/kaggle_*"))):
        folder = lab / ("day1" if index % 2 else "day2/microscope-b")
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copy(source, folder / f"upload_{index}{source.suffix}")
    (lab / "notes.txt").write_text("not an image")
    return lab


@pytest.fixture
def isolated_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("HEMATOVISION_CACHE", str(tmp_path / "cache"))


def _argv(bundle, lab, out, *options):
    return ["--model", str(bundle), "--images", str(lab), "--out", str(out), "--epochs", "1",
            *options]  # fmt: skip


def test_it_writes_an_adapted_bundle_that_records_its_rounds(
    tiny_bundle, lab_folder, tmp_path, isolated_cache
):
    out = tmp_path / "adapted"
    teachers = ["--teacher", str(tiny_bundle), "--teacher", str(tiny_bundle)]
    argv = _argv(tiny_bundle, lab_folder, out, "--shares", "0.5,1", *teachers)
    assert run_command("adapt", argv) == 0
    metadata = read_bundle_metadata(out)  # every file hash checks out
    assert metadata["name"] == "tiny-adapted"
    assert metadata["labels"] == read_bundle_metadata(tiny_bundle)["labels"]
    config = json.loads((out / "config.json").read_text())
    assert len(config["training"]["history"]["loss"]) == 2  # one epoch per round, both curves
    adaptation = config["adaptation"]
    assert adaptation["lab_images"] == 8 and adaptation["teachers"] == ["tiny", "tiny"]
    first, second = adaptation["rounds"]
    # Half of each predicted class, rounded up, then every image.
    assert sum(first["pseudo_labels"].values()) == first["images"]
    assert 4 <= first["images"] <= 8 and second["images"] == 8
    assert all(label in metadata["labels"] for label in first["pseudo_labels"])


@pytest.fixture
def reviewed_folder(tmp_path):
    """What `manage.py export_feedback` writes: one folder per class and a manifest beside."""
    reviewed = tmp_path / "reviewed"
    for label in ("eosinophil", "monocyte"):
        (reviewed / label).mkdir(parents=True)
        for source in sorted((FIXTURE_IMAGES / label).glob("kaggle_*")):
            shutil.copy(source, reviewed / label / source.name)
    (reviewed / "feedback.csv").write_text("file,label\n")
    return reviewed


def _counts(reviewed):
    return {
        folder.name: len(list(folder.iterdir())) for folder in reviewed.iterdir() if folder.is_dir()
    }


def test_labelled_cells_alone_fine_tune_once_and_are_recorded(
    tiny_bundle, reviewed_folder, tmp_path, isolated_cache
):
    out = tmp_path / "adapted"
    argv = ["--model", str(tiny_bundle), "--labelled", str(reviewed_folder), "--out", str(out),
            "--epochs", "1"]  # fmt: skip
    assert run_command("adapt", argv) == 0
    config = json.loads((out / "config.json").read_text())
    adaptation = config["adaptation"]
    assert adaptation["labelled_cells"] == _counts(reviewed_folder)
    assert adaptation["lab_images"] == 0 and adaptation["rounds"] == []
    assert len(config["training"]["history"]["loss"]) == 1
    # The bundle's figures stay on its own splits, without the repeated labelled cells.
    metrics = json.loads((out / "metrics.json").read_text())
    own = json.loads((tiny_bundle / "metrics.json").read_text())
    assert metrics["train"]["images"] == own["train"]["images"]


def test_labelled_cells_join_every_self_training_round(
    tiny_bundle, lab_folder, reviewed_folder, tmp_path, isolated_cache
):
    out = tmp_path / "adapted"
    argv = _argv(tiny_bundle, lab_folder, out, "--labelled", str(reviewed_folder))
    assert run_command("adapt", argv) == 0
    adaptation = json.loads((out / "config.json").read_text())["adaptation"]
    assert adaptation["labelled_cells"] == _counts(reviewed_folder)
    assert [round_["share"] for round_ in adaptation["rounds"]] == [0.5, 0.75]


def test_it_finds_images_at_any_depth_and_skips_other_files(lab_folder):
    found = adapt.lab_images(lab_folder)
    assert len(found) == 8 and all(path.name.startswith("upload_") for path in found)


@pytest.mark.parametrize(
    "problem, message",
    [
        ("empty", "no images found"),
        ("shares", "share must be in (0, 1]"),
        ("teacher", "must be the model's"),
        ("unknown class", "is not one of the model's labels"),
        ("nothing", "--images, --labelled or both"),
        ("teacher without images", "give --images too"),
    ],
)
def test_it_refuses_bad_input_before_writing_anything(
    problem, message, tiny_bundle, lab_folder, tmp_path, isolated_cache, capsys
):
    out = tmp_path / "adapted"
    argv = _argv(tiny_bundle, lab_folder, out)
    if problem == "empty":
        (tmp_path / "empty").mkdir()
        argv[argv.index("--images") + 1] = str(tmp_path / "empty")
    elif problem == "shares":
        argv += ["--shares", "0.5,1.5"]
    elif problem == "teacher":
        argv += ["--teacher", "kaggle4"]  # four labels, not the tiny bundle's
    elif problem == "unknown class":
        (tmp_path / "reviewed" / "megakaryocyte").mkdir(parents=True)
        argv += ["--labelled", str(tmp_path / "reviewed")]
    else:
        argv = argv[: argv.index("--images")] + argv[argv.index("--images") + 2 :]
        if problem == "teacher without images":
            argv += ["--labelled", str(lab_folder), "--teacher", str(tiny_bundle)]
    assert run_command("adapt", argv) == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_it_will_not_overwrite_a_bundle(tiny_bundle, lab_folder, tmp_path, isolated_cache, capsys):
    out = tmp_path / "adapted"
    shutil.copytree(tiny_bundle, out)
    assert run_command("adapt", _argv(tiny_bundle, lab_folder, out)) == 2
    assert "already there" in capsys.readouterr().err
    assert math.isclose(
        read_bundle_metadata(out)["temperature"], read_bundle_metadata(tiny_bundle)["temperature"]
    )


def test_the_portals_recipe_keeps_the_last_epoch_and_records_its_choices(
    tiny_bundle, reviewed_folder, tmp_path, isolated_cache
):
    out = tmp_path / "adapted"
    argv = ["--model", str(tiny_bundle), "--labelled", str(reviewed_folder), "--out", str(out),
            "--epochs", "2", "--shot-share", "0.5", "--keep-last", "--no-consistency",
            "--learning-rate", "0.0003"]  # fmt: skip
    assert run_command("adapt", argv) == 0
    config = json.loads((out / "config.json").read_text())
    assert config["consistency"] == 0.0
    assert config["fine_tune_learning_rate"] == pytest.approx(0.0003)
    history = config["training"]["history"]
    assert len(history["loss"]) == 2
    assert config["training"]["best_epoch"] == 2  # the last, whatever the validation loss said
