"""ml.training.data and ml.serving.preprocess: split files, image-folder loading and its errors."""

import csv
import shutil
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from ml.serving.preprocess import ImageDecodeError, load_image, resize_to_array
from ml.training import data, paths
from tests.ml.conftest import FIXTURE_IMAGES

MANIFEST_HEADER = ["class", "file", "sha256_original", "duplicate_of", "label_conflict"]


def _write_manifest(path, rows):
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(MANIFEST_HEADER)
        writer.writerows(rows)


@pytest.fixture
def manifest(tmp_path):
    rows = [[label, f"{label}_{i}.jpg", "", "", "0"] for label in ("a", "b") for i in range(40)]
    rows.append(["a", "a_dup.jpg", "", "a_3.jpg", "0"])  # byte-identical to a_3.jpg
    rows.append(["b", "b_conflict.jpg", "", "a_7.jpg", "1"])  # same image as a_7, other label
    _write_manifest(tmp_path / "manifest.csv", rows)
    return tmp_path / "manifest.csv"


def test_pbc_split_keeps_duplicates_together_and_excludes_the_label_conflict(manifest):
    rows = {row["file"]: row["split"] for row in data.make_pbc_split(manifest)}
    assert rows["a_dup.jpg"] == rows["a_3.jpg"]
    assert rows["b_conflict.jpg"] == "excluded"
    assert rows["a_7.jpg"] == "excluded"


def test_pbc_split_is_stratified_and_repeatable(manifest):
    first = data.make_pbc_split(manifest, seed=3)
    assert first == data.make_pbc_split(manifest, seed=3)
    counts = Counter((row["class"], row["split"]) for row in first)
    assert counts[("a", "val")] == counts[("b", "val")] == 6
    assert counts[("a", "test")] == counts[("b", "test")] == 6


def test_the_committed_pbc_split_has_no_group_on_two_sides():
    manifest = paths.pbc_manifest(paths.default_data_dir())
    rows = data.read_split_csv(paths.SPLITS_DIR / "pbc.csv")
    split_of = {row["file"]: row["split"] for row in rows}
    assert Counter(split_of.values())["excluded"] == 2
    if manifest.is_file():  # the data is not on every CI machine
        with open(manifest, newline="") as handle:
            for row in csv.DictReader(handle):
                if row["duplicate_of"]:
                    assert split_of[row["file"]] == split_of[row["duplicate_of"]]


def test_a_file_listed_twice_in_a_split_file_is_an_error(tmp_path):
    path = tmp_path / "split.csv"
    path.write_text("class,file,split\na,x.jpg,train\na,x.jpg,test\n")
    with pytest.raises(ValueError, match="listed twice"):
        data.read_split_csv(path)


def _tree(tmp_path, folders):
    for folder, label in folders.items():
        shutil.copytree(FIXTURE_IMAGES / label, tmp_path / folder)
    return tmp_path


def test_class_folders_match_labels_case_insensitively(tmp_path):
    root = _tree(tmp_path, {"EOSINOPHIL": "eosinophil", "Lymphocyte": "lymphocyte"})
    labels, items = data.scan_image_folder(root, ["eosinophil", "lymphocyte", "monocyte"])
    assert labels == ["eosinophil", "lymphocyte", "monocyte"]
    assert Counter(label for _, label in items) == {0: 4, 1: 4}


def test_an_unknown_class_folder_is_an_error_listing_the_labels(tmp_path):
    root = _tree(tmp_path, {"eosinophil": "eosinophil", "blast": "basophil"})
    with pytest.raises(data.UnknownClassError, match=r"'blast'.*\['eosinophil', 'lymphocyte'\]"):
        data.scan_image_folder(root, ["eosinophil", "lymphocyte"])


def test_a_non_image_file_is_an_error_naming_it(tmp_path):
    root = _tree(tmp_path, {"eosinophil": "eosinophil"})
    (root / "eosinophil" / "notes.txt").write_text("not an image")
    with pytest.raises(data.NotAnImageError, match="notes.txt"):
        data.scan_image_folder(root, ["eosinophil"])


def test_a_corrupt_image_is_an_error_naming_it(tmp_path):
    root = _tree(tmp_path, {"eosinophil": "eosinophil"})
    broken = root / "eosinophil" / "broken.jpg"
    broken.write_bytes(b"\xff\xd8\xff\xe0 this is not really a JPEG")
    _, items = data.scan_image_folder(root, ["eosinophil"])
    with pytest.raises(ImageDecodeError, match="broken.jpg"):
        data.decode_images([path for path, _ in items], 32)


@pytest.mark.parametrize("image_format", ["PNG", "TIFF", "BMP", "JPEG"])
def test_it_reads_every_supported_format_at_any_size(tmp_path, image_format):
    image = load_image(next((FIXTURE_IMAGES / "basophil").iterdir())).resize((300, 171))
    path = tmp_path / f"cell.{image_format.lower()}"
    image.save(path, image_format)
    array = resize_to_array(load_image(path), 48)
    assert array.shape == (48, 48, 3) and array.dtype == np.uint8


def test_the_folder_split_puts_each_image_in_one_split(tmp_path):
    root = _tree(tmp_path, {"eosinophil": "eosinophil", "lymphocyte": "lymphocyte"})
    splits = data.folder_splits(root, ["eosinophil", "lymphocyte"])
    every = [path for split in data.SPLITS for path in splits.paths(split)]
    assert len(every) == len(set(every)) == 8
    assert all(splits.paths(split) for split in data.SPLITS)


def test_decoded_images_are_cached(tmp_path, monkeypatch):
    monkeypatch.setenv("HEMATOVISION_CACHE", str(tmp_path / "cache"))
    images = sorted((FIXTURE_IMAGES / "platelet").iterdir())
    first = data.cached_images("fixture", images, 40)
    assert len(list((tmp_path / "cache").glob("fixture_40_*.npy"))) == 1
    assert np.array_equal(first, data.cached_images("fixture", images, 40))


def test_extra_training_data_takes_the_shared_classes_of_the_other_train_split(monkeypatch):
    # A stand-in for kaggle_splits: 4 labels, images in every split.
    other = data.DatasetSplits(
        labels=["eosinophil", "lymphocyte", "monocyte", "neutrophil"],
        items={
            "train": [(Path("t/eos.jpg"), 0), (Path("t/neu.jpg"), 3)],
            "val": [(Path("v/eos.jpg"), 0)],
            "test": [(Path("s/mono.jpg"), 2)],
        },
    )
    monkeypatch.setattr(data, "kaggle_splits", lambda data_dir: other)
    labels = ["basophil", "eosinophil", "neutrophil", "platelet"]

    extra = data.extra_training_items("kaggle", Path("unused"), labels)

    # Only the train split, only the labels the model has, indexed by the model's labels.
    assert extra == [(Path("t/eos.jpg"), 1), (Path("t/neu.jpg"), 2)]


def test_extra_training_data_from_a_folder_may_hold_some_labels_only(tmp_path):
    for label in ("Eosinophil", "neutrophil"):
        (tmp_path / label).mkdir()
        Image.new("RGB", (8, 8)).save(tmp_path / label / "a.png")

    extra = data.extra_training_items(
        str(tmp_path), Path("unused"), ["eosinophil", "ig", "neutrophil"]
    )

    assert sorted(label for _, label in extra) == [0, 2]
