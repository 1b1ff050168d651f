"""python -m ml bench: latency and throughput figures of the TFLite model on real images."""

import json
import shutil

from ml.serving import load_classifier
from ml.serving.bundle import read_bundle_metadata, write_bundle_metadata
from ml.training import bench
from tests.ml.conftest import FIXTURE_IMAGES, run_command


def test_it_prints_latency_and_throughput_as_json(tiny_bundle, capsys):
    argv = ["--model", str(tiny_bundle), "--data", str(FIXTURE_IMAGES), "--runs", "10"]
    argv += ["--threads", "2", "--field-runs", "0", "--json"]

    code = run_command("bench", argv)

    result = json.loads(capsys.readouterr().out)
    assert code == 0
    assert 0 < result["single_image_ms_p50"] <= result["single_image_ms_p95"]
    assert result["batch_images_per_s"] > 0
    assert result["batch_images_per_s_2_threads"] > 0
    assert set(result["single_image_stage_ms_p50"]) == {"decode", "framing", "model"}
    assert result["runtime"].startswith("ai_edge_litert")
    # Each fixture goes through the cell finder, then what it routes to is classified.
    assert 0 < result["routed_single_image_ms_p50"] <= result["routed_single_image_ms_p95"]
    assert result["routed_single_image_classified_mean"] > 0


def test_a_bundle_that_stops_early_is_timed_on_every_view_too(tiny_bundle, tmp_path):
    copy = tmp_path / "bundle"
    shutil.copytree(tiny_bundle, copy)
    metadata = read_bundle_metadata(copy)
    metadata.update(test_time_augmentation="flip4", test_time_exit_confidence=0.5)
    write_bundle_metadata(copy, metadata, sorted(metadata["files"]))

    result = bench.bench(load_classifier(copy), FIXTURE_IMAGES, runs=8, batch_size=4)

    assert result["exit_confidence"] == 0.5
    assert result["single_image_every_view_ms_p50"] > 0
    assert 0 <= result["first_view_only_share"] <= 1


def test_it_samples_every_class_in_turn():
    chosen = bench.sample_images(FIXTURE_IMAGES, 8)

    assert sorted(path.parent.name for path in chosen) == sorted(
        p.name for p in FIXTURE_IMAGES.iterdir() if p.is_dir()
    )


def test_it_uses_the_fixtures_when_there_is_no_data(monkeypatch, tmp_path):
    monkeypatch.setenv("HEMATOVISION_DATA", str(tmp_path))

    assert bench.default_image_dir() == bench.FIXTURES_DIR


def test_a_field_is_found_and_its_white_cells_classified():
    from PIL import Image

    from ml.serving import load_classifier, load_detector
    from ml.training.bench_field import field_ms

    field = Image.new("RGB", (640, 480), (230, 200, 210))
    field.paste((110, 60, 170), (300, 200, 360, 260))  # a violet blob: a white cell's nucleus
    path = FIXTURE_IMAGES.parent / "bench-field.jpg"
    try:
        field.save(path)
        result = field_ms(load_detector("fields"), load_classifier("default"), [path], runs=2)
    finally:
        path.unlink(missing_ok=True)
    assert result["field_ms_p50"] > 0 and result["field_size"] == "640x480"
