"""research.cross_lab end to end on a tiny two-lab data folder made from the fixture images."""

import json

import numpy as np
import pytest
from PIL import Image, ImageOps

from ml.serving.bundle import read_bundle_metadata
from ml.training.data import write_split_csv
from research.tests.conftest import FIXTURE_IMAGES, run_study

pytest.importorskip("tensorflow")


from research.cross_lab.models import adapt_batchnorm  # noqa: E402

SHARED = ("eosinophil", "lymphocyte", "monocyte", "neutrophil")
VIEWS = (lambda image: image, ImageOps.mirror, ImageOps.flip)
SPLIT_CYCLE = ("train", "val", "test")


def _copies(source, folder, stem):
    """Three views (as is, mirrored, flipped) of one fixture image, saved under new names."""
    folder.mkdir(parents=True, exist_ok=True)
    names = []
    for index, view in enumerate(VIEWS):
        name = f"{stem}_{index}.jpg"
        view(Image.open(source).convert("RGB")).save(folder / name, quality=95)
        names.append(name)
    return names


def _tiny_labs(root):
    """data/pbc/images/<class>/... and data/blood-cells-kaggle/dataset2-master/images/{TRAIN,TEST}
    with split files: each lab gets train, val and test images of the 4 shared classes."""
    pbc_rows, kaggle_rows = [], []
    kaggle_images = root / "blood-cells-kaggle" / "dataset2-master" / "images"
    for label in SHARED:
        pbc_source = sorted((FIXTURE_IMAGES / label).glob("pbc_*"))[0]
        for index, name in enumerate(
            _copies(pbc_source, root / "pbc" / "images" / label, pbc_source.stem)
        ):
            pbc_rows.append({"class": label, "file": name, "split": SPLIT_CYCLE[index]})
        for source in sorted((FIXTURE_IMAGES / label).glob("kaggle_*")):
            for index, name in enumerate(
                _copies(source, kaggle_images / "TRAIN" / label.upper(), source.stem)
            ):
                split = "val" if index == 1 else "train"
                file = f"TRAIN/{label.upper()}/{name}"
                kaggle_rows.append({"class": label, "file": file, "split": split, "group": "0"})
            name = _copies(source, kaggle_images / "TEST" / label.upper(), source.stem)[0]
            file = f"TEST/{label.upper()}/{name}"
            kaggle_rows.append({"class": label, "file": file, "split": "test", "group": ""})
    write_split_csv(root / "pbc.csv", pbc_rows, ("class", "file", "split"))
    write_split_csv(root / "kaggle.csv", kaggle_rows, ("class", "file", "split", "group"))
    return root


@pytest.fixture
def tiny_data(tmp_path, monkeypatch):
    monkeypatch.setenv("HEMATOVISION_CACHE", str(tmp_path / "cache"))
    return _tiny_labs(tmp_path / "data")


def _argv(data, out, variants):
    return [
        "--out", str(out), "--data", str(data), "--variants", variants,
        "--image-size", "32", "--head-epochs", "1", "--epochs", "0", "--batch-size", "8",
        "--limit-per-class", "0", "--adapt-images", "8",
        "--pbc-split-csv", str(data / "pbc.csv"), "--kaggle-split-csv", str(data / "kaggle.csv"),
    ]  # fmt: skip


def _rows(out):
    return [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]


def test_it_scores_both_directions_in_lab_and_cross_lab(tiny_data, tmp_path):
    out = tmp_path / "out"
    argv = [*_argv(tiny_data, out, "baseline,bn_adapt"), "--export-bundles"]
    assert run_study("cross_lab", argv) == 0
    rows = _rows(out)
    assert [(r["variant"], r["direction"]) for r in rows] == [
        ("baseline", "pbc_to_kaggle"),
        ("baseline", "kaggle_to_pbc"),
        ("bn_adapt", "pbc_to_kaggle"),
        ("bn_adapt", "kaggle_to_pbc"),
    ]
    first = rows[0]
    assert first["targets"] == ["kaggle"]
    for lab in ("pbc", "kaggle"):
        scores = first["test"][lab]
        assert 0.0 <= scores["accuracy"] <= 1.0 and 0.0 <= scores["ece"] <= 1.0
        assert set(scores["recall"]) == set(SHARED)
    assert first["test"]["kaggle"]["n"] == 8 and first["test"]["pbc"]["n"] == 4
    assert "| baseline | PBC → Kaggle | Kaggle test (cross-lab) |" in (out / "table.md").read_text()
    assert (out / "coverage_pbc_to_kaggle.png").read_bytes()[:4] == b"\x89PNG"
    bundle = read_bundle_metadata(out / "bundles" / "pbc_to_kaggle")
    assert bundle["labels"] == list(SHARED) and bundle["input"]["size"] == 32


def test_it_resumes_without_redoing_finished_rows(tiny_data, tmp_path):
    out = tmp_path / "out"
    assert run_study("cross_lab", _argv(tiny_data, out, "baseline")) == 0
    assert run_study("cross_lab", _argv(tiny_data, out, "baseline,stain_norm")) == 0
    variants = [row["variant"] for row in _rows(out)]
    assert variants == ["baseline", "baseline", "stain_norm", "stain_norm"]


def test_a_rerun_under_another_seed_keeps_both_runs_predictions(tiny_data, tmp_path):
    out = tmp_path / "out"
    for seed in ("1", "2"):
        argv = [*_argv(tiny_data, out, "cell_field_norm_soft"), "--seed", seed]
        assert run_study("cross_lab", argv) == 0
    rows = _rows(out)
    assert len({row["protocol_key"] for row in rows}) == 2
    # 2 protocols x 2 directions x 2 labs scored
    assert len(list((out / "predictions").glob("cell_field_norm_soft__*.npz"))) == 8


def test_it_trains_one_model_on_both_labs(tiny_data, tmp_path):
    out = tmp_path / "out"
    assert run_study("cross_lab", _argv(tiny_data, out, "both_labs")) == 0
    [row] = _rows(out)
    assert row["direction"] == "both" and row["targets"] == []
    assert row["train_images"] == 4 * 1 + 4 * 4  # PBC: 1 train image per class; Kaggle: 4


def test_batchnorm_adaptation_changes_only_the_statistics():
    import keras

    from ml.training.model import build_model

    model, _ = build_model("mobilenet_025", 4, 32)
    images = np.random.default_rng(0).integers(0, 256, (16, 32, 32, 3)).astype(np.uint8)
    adapted = adapt_batchnorm(model, images, batch_size=8)
    norm = next(
        layer
        for layer in adapted.get_layer("backbone").layers
        if isinstance(layer, keras.layers.BatchNormalization)
    )
    original = model.get_layer("backbone").get_layer(norm.name)
    assert not np.allclose(norm.moving_mean.numpy(), original.moving_mean.numpy())
    assert np.allclose(norm.gamma.numpy(), original.gamma.numpy())
    assert np.allclose(
        adapted.get_layer("logits").get_weights()[0], model.get_layer("logits").get_weights()[0]
    )


def test_it_refuses_an_unknown_variant(tmp_path):
    assert run_study("cross_lab", ["--out", str(tmp_path), "--variants", "magic"]) == 2


def test_a_self_trained_row_starts_from_its_base_model_and_reports_its_pseudo_labels(
    tiny_data, tmp_path
):
    out = tmp_path / "out"
    # The second round's base is the first round's model, which no row asks for: made on the way.
    argv = _argv(tiny_data, out, "cell_field_norm_soft,cell_field_norm_soft_self2")
    argv[argv.index("--epochs") + 1] = "1"  # self-training runs the fine-tuning stage again
    assert run_study("cross_lab", argv) == 0
    rows = {(r["variant"], r["direction"]): r for r in _rows(out)}
    assert rows[("cell_field_norm_soft", "pbc_to_kaggle")]["pseudo_labels"] is None
    pseudo = rows[("cell_field_norm_soft_self2", "pbc_to_kaggle")]["pseudo_labels"]
    # Kaggle train: 4 images for each of 4 classes; 75 % of each predicted class, rounded up
    assert pseudo["of"] == 16 and 12 <= pseudo["images"] <= 16
    assert 0.0 <= pseudo["accuracy"] <= 1.0
    models = sorted(path.name.split("__")[0] for path in (out / "models").glob("*.keras"))
    assert models == sorted(
        ["cell_field_norm_soft", "cell_field_norm_soft_self", "cell_field_norm_soft_self2"] * 2
    )


def test_a_taught_row_makes_its_teacher_and_reads_pseudo_labels_from_both(tiny_data, tmp_path):
    out = tmp_path / "out"
    argv = _argv(tiny_data, out, "cell_field_norm_soft_pair")
    argv[argv.index("--epochs") + 1] = "1"
    argv += ["--directions", "pbc_to_kaggle"]
    assert run_study("cross_lab", argv) == 0
    rows = _rows(out)
    assert [(r["variant"], r["direction"]) for r in rows] == [
        ("cell_field_norm_soft_pair", "pbc_to_kaggle")
    ]
    pseudo = rows[0]["pseudo_labels"]
    assert pseudo["teachers"] == ["cell_field_norm_soft_pair", "cell_crop_robust"]
    assert pseudo["of"] == 16 and 8 <= pseudo["images"] <= 16  # half of each predicted class
    # The base (field framing) and the teacher (crop framing) were trained on the way.
    models = sorted(path.name.split("__")[0] for path in (out / "models").glob("*.keras"))
    assert models == ["cell_crop_robust", "cell_field_norm_soft", "cell_field_norm_soft_pair"]


def test_a_seed_taught_row_makes_the_other_seeds_models_and_a_later_run_reuses_them(
    tiny_data, tmp_path
):
    out = tmp_path / "out"
    argv = _argv(tiny_data, out, "cell_field_norm_soft_seeds")
    argv[argv.index("--epochs") + 1] = "1"
    argv += ["--directions", "kaggle_to_pbc", "--seed", "2"]
    assert run_study("cross_lab", argv) == 0
    pseudo = _rows(out)[0]["pseudo_labels"]
    # its own model votes for seed 2; the base row under seeds 1 and 3 votes beside it
    assert pseudo["teachers"] == [
        "cell_field_norm_soft_seeds",
        "cell_field_norm_soft@1",
        "cell_field_norm_soft@3",
    ]

    def base_models():
        return sorted((out / "models").glob("cell_field_norm_soft__*.keras"))

    assert len(base_models()) == 3  # one per seed, each under its own protocol key
    before = base_models()
    argv[argv.index("--seed") + 1] = "1"
    argv[argv.index("--variants") + 1] = "cell_field_norm_soft"
    assert run_study("cross_lab", argv) == 0
    assert base_models() == before  # seed 1's base, made as a teacher, is this run's model
    assert _rows(out)[-1]["protocol"]["seed"] == 1


def test_a_few_shot_row_adds_labelled_cells_of_the_other_lab_and_later_rounds_keep_them(
    tiny_data, tmp_path
):
    out = tmp_path / "out"
    argv = _argv(tiny_data, out, "cell_crop_robust_shots10,cell_crop_robust_shots10_self")
    argv[argv.index("--epochs") + 1] = "1"
    assert run_study("cross_lab", argv) == 0
    rows = {(r["variant"], r["direction"]): r for r in _rows(out)}
    # One cell per class either way: the tiny Kaggle train split is one group, PBC's one image.
    for direction, own_train in (("pbc_to_kaggle", 4), ("kaggle_to_pbc", 16)):
        shots = rows[("cell_crop_robust_shots10", direction)]
        assert shots["labelled_cells"] == 4 and shots["pseudo_labels"] is None
        assert shots["train_images"] == own_train + 4  # repeated to ~20 %: once here
        later = rows[("cell_crop_robust_shots10_self", direction)]
        assert later["labelled_cells"] == 4 and later["pseudo_labels"]["images"] > 0
    models = sorted(path.name.split("__")[0] for path in (out / "models").glob("*.keras"))
    assert models == sorted(
        ["cell_crop_robust", "cell_crop_robust_shots10", "cell_crop_robust_shots10_self"] * 2
    )


def test_it_refuses_an_unknown_direction(tmp_path):
    argv = ["--out", str(tmp_path), "--variants", "baseline", "--directions", "up_to_down"]
    assert run_study("cross_lab", argv) == 2
