"""`python -m research.backbones` end to end on the fixture images: two backbones, 32 px, one
epoch each."""

import csv
import json
import shutil

import pytest

from research.backbones.__main__ import main
from research.backbones.compare import limit_split_rows, load_results
from research.backbones.report import spread, summarise
from research.tests.conftest import FIXTURE_IMAGES, fixture_labels, write_fixture_split

BACKBONES = ["mobilenet_025", "vit"]


def compare_argv(out, split_csv, backbones=BACKBONES, seeds="1", image_size=32) -> list[str]:
    return ["--dataset", "folder", "--data", str(FIXTURE_IMAGES), "--split-csv",
            str(split_csv), "--labels", ",".join(fixture_labels()), "--backbones",
            ",".join(backbones), "--seeds", seeds, "--epochs", "1", "--head-epochs", "1",
            "--image-size", str(image_size), "--batch-size", "8", "--latency-runs", "5",
            "--out", str(out)]  # fmt: skip


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    """A finished comparison (mobilenet_025 and vit, seed 1) and the split it started from."""
    work = tmp_path_factory.mktemp("compare")
    write_fixture_split(work / "split.csv")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HEMATOVISION_CACHE", str(work / "cache"))
        assert main(compare_argv(work / "out", work / "split.csv")) == 0
    return work


@pytest.fixture
def copied(work, tmp_path, monkeypatch):
    """A copy of the finished comparison, for tests that add to it."""
    monkeypatch.setenv("HEMATOVISION_CACHE", str(work / "cache"))
    shutil.copytree(work / "out", tmp_path / "out")
    return tmp_path / "out", work / "split.csv"


@pytest.mark.slow
def test_it_writes_both_tables_and_the_plot(work):
    out = work / "out"
    with open(out / "comparison.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    markdown = (out / "comparison.md").read_text(encoding="utf-8")

    assert sorted(row["backbone"] for row in rows) == sorted(BACKBONES)
    expected = {"backbone", "initialisation", "seeds", "accuracy", "macro_f1", "parameters",
                "bundle_mb", "tflite_mb", "latency_ms_p50", "train_seconds"}  # fmt: skip
    expected |= {f"recall_{label}" for label in fixture_labels()}
    assert expected <= set(rows[0])
    for column in ("accuracy", "macro-F1", "recall basophil", "params (M)", "bundle MB",
                   "latency p50 ms", "train min"):  # fmt: skip
        assert column in markdown
    assert (out / "accuracy_vs_latency.png").read_bytes().startswith(b"\x89PNG")


@pytest.mark.slow
def test_it_says_which_backbone_was_trained_from_scratch(work):
    results = {r["backbone"]: r for r in load_results(work / "out")}

    assert results["vit"]["initialisation"] == "scratch"
    assert results["mobilenet_025"]["initialisation"] in ("imagenet", "scratch")
    assert all(r["parameters"] > 0 and r["latency_ms_p50"] > 0 for r in results.values())


@pytest.mark.slow
def test_a_rerun_skips_the_finished_runs(copied, capsys):
    out, split_csv = copied
    bundle = out / "bundles" / "vit-seed1" / "model.tflite"
    before = bundle.stat().st_mtime_ns

    assert main(compare_argv(out, split_csv)) == 0

    assert capsys.readouterr().out.count("done earlier, skipped") == 2
    assert len(load_results(out)) == 2
    assert bundle.stat().st_mtime_ns == before


@pytest.mark.slow
def test_a_finished_bundle_is_measured_not_retrained_after_an_interruption(copied, capsys):
    out, split_csv = copied
    lines = (out / "results.jsonl").read_text().splitlines()
    kept = [line for line in lines if json.loads(line)["backbone"] != "vit"]
    # Cut short while the vit row was being written: a partial line, which must be ignored.
    (out / "results.jsonl").write_text("\n".join(kept) + '\n{"backbone": "vi')

    assert main(compare_argv(out, split_csv)) == 0

    assert "is complete; measuring it" in capsys.readouterr().out
    assert sorted(r["backbone"] for r in load_results(out)) == sorted(BACKBONES)


@pytest.mark.slow
def test_more_seeds_report_a_mean_and_spread(copied):
    out, split_csv = copied

    assert main(compare_argv(out, split_csv, ["mobilenet_025"], seeds="1,2")) == 0

    with open(out / "comparison.csv", newline="", encoding="utf-8") as handle:
        rows = {row["backbone"]: row for row in csv.DictReader(handle)}
    assert rows["mobilenet_025"]["seeds"] == "1 2"
    assert rows["mobilenet_025"]["accuracy_std"] != ""
    assert rows["vit"]["seeds"] == "1" and rows["vit"]["accuracy_std"] == ""
    assert "±" in (out / "comparison.md").read_text(encoding="utf-8")


@pytest.mark.slow
def test_it_refuses_to_mix_protocols(copied, capsys):
    out, split_csv = copied

    code = main(compare_argv(out, split_csv, image_size=64))

    assert code == 2
    assert "another protocol" in capsys.readouterr().err


def test_it_rejects_an_unknown_backbone(tmp_path, capsys):
    code = main(compare_argv(tmp_path / "out", tmp_path / "split.csv", ["alexnet"]))

    assert code == 2
    assert "alexnet" in capsys.readouterr().err


def test_the_subset_caps_train_and_validation_but_keeps_the_test_split_whole():
    rows = [{"class": c, "file": f"{c}{i}", "split": s}
            for c in ("a", "b") for s in ("train", "val", "test") for i in range(5)]  # fmt: skip

    limited = limit_split_rows(rows, 2, val_limit=1)

    counts = {}
    for row in limited:
        counts[(row["split"], row["class"])] = counts.get((row["split"], row["class"]), 0) + 1
    assert counts == {("train", "a"): 2, ("train", "b"): 2, ("val", "a"): 1, ("val", "b"): 1,
                      ("test", "a"): 5, ("test", "b"): 5, ("excluded", "a"): 7,
                      ("excluded", "b"): 7}  # fmt: skip
    assert limited == limit_split_rows(rows, 2, val_limit=1)
    assert limit_split_rows(rows, 0) == rows


def test_spread_gives_sample_std_and_range():
    stats = spread([0.90, 0.92, 0.94])

    assert stats["mean"] == pytest.approx(0.92)
    assert stats["std"] == pytest.approx(0.02)
    assert (stats["min"], stats["max"]) == (0.90, 0.94)
    assert spread([0.5])["std"] is None


def test_summaries_put_the_best_mean_accuracy_first():
    def result(backbone, seed, accuracy):
        return {"backbone": backbone, "seed": seed, "initialisation": "scratch",
                "accuracy": accuracy, "macro_f1": accuracy, "recall": {"a": accuracy},
                "parameters": 10, "bundle_mb": 1.0, "tflite_mb": 0.5, "latency_ms_p50": 1.0,
                "latency_ms_p95": 2.0, "train_seconds": 3.0}  # fmt: skip

    summaries = summarise([result("x", 2, 0.6), result("y", 1, 0.7), result("x", 1, 0.4)])

    assert [s["backbone"] for s in summaries] == ["y", "x"]
    assert summaries[1]["seeds"] == [1, 2]
    assert summaries[1]["accuracy"]["mean"] == pytest.approx(0.5)
