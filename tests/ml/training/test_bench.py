"""python -m ml bench: latency and throughput figures of the TFLite model on real images."""

import json

from ml.training import bench
from tests.ml.conftest import FIXTURE_IMAGES, run_command


def test_it_prints_latency_and_throughput_as_json(tiny_bundle, capsys):
    argv = ["--model", str(tiny_bundle), "--data", str(FIXTURE_IMAGES), "--runs", "10", "--json"]

    code = run_command("bench", argv)

    result = json.loads(capsys.readouterr().out)
    assert code == 0
    assert 0 < result["single_image_ms_p50"] <= result["single_image_ms_p95"]
    assert result["batch_images_per_s"] > 0
    assert result["runtime"].startswith("ai_edge_litert")


def test_it_samples_every_class_in_turn():
    chosen = bench.sample_images(FIXTURE_IMAGES, 8)

    assert sorted(path.parent.name for path in chosen) == sorted(
        p.name for p in FIXTURE_IMAGES.iterdir() if p.is_dir()
    )


def test_it_uses_the_fixtures_when_there_is_no_data(monkeypatch, tmp_path):
    monkeypatch.setenv("HEMATOVISION_DATA", str(tmp_path))

    assert bench.default_image_dir() == bench.FIXTURES_DIR
