"""`python -m ml adapt`: self-training a bundle on a folder of a lab's unlabelled images."""

import json
import math
import shutil

import pytest

from ml import adapt
from ml.bundle import read_bundle_metadata
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
    assert run_command(adapt, argv) == 0
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


def test_it_finds_images_at_any_depth_and_skips_other_files(lab_folder):
    found = adapt.lab_images(lab_folder)
    assert len(found) == 8 and all(path.name.startswith("upload_") for path in found)


@pytest.mark.parametrize(
    "problem, message",
    [
        ("empty", "no images found"),
        ("shares", "share must be in (0, 1]"),
        ("teacher", "must be the model's"),
    ],
)
def test_it_refuses_bad_input_before_writing_anything(
    problem, message, tiny_bundle, lab_folder, tmp_path, isolated_cache, capsys
):
    out = tmp_path / "adapted"
    options = []
    if problem == "empty":
        lab_folder = tmp_path / "empty"
        lab_folder.mkdir()
    elif problem == "shares":
        options = ["--shares", "0.5,1.5"]
    else:
        options = ["--teacher", "kaggle4"]  # four labels, not the tiny bundle's
    assert run_command(adapt, _argv(tiny_bundle, lab_folder, out, *options)) == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_it_will_not_overwrite_a_bundle(tiny_bundle, lab_folder, tmp_path, isolated_cache, capsys):
    out = tmp_path / "adapted"
    shutil.copytree(tiny_bundle, out)
    assert run_command(adapt, _argv(tiny_bundle, lab_folder, out)) == 2
    assert "already there" in capsys.readouterr().err
    assert math.isclose(
        read_bundle_metadata(out)["temperature"], read_bundle_metadata(tiny_bundle)["temperature"]
    )
