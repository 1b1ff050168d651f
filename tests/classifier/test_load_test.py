"""classifier.load_test and classifier.process_usage: image choice, percentiles, throughput, and
the CPU and memory read from /proc."""

import os
from pathlib import Path

import pytest

from classifier import load_test, process_usage
from classifier.load_test import LoadResult, Upload

FIXTURE_IMAGES = Path(__file__).resolve().parent.parent / "fixtures" / "images"


def test_it_picks_distinct_images_from_every_class_in_turn():
    classes = sorted(p.name for p in FIXTURE_IMAGES.iterdir() if p.is_dir())
    chosen = load_test.pick_images(FIXTURE_IMAGES, len(classes))
    assert sorted(path.parent.name for path in chosen) == classes
    assert len(set(chosen)) == len(chosen)


def test_it_refuses_to_run_without_enough_images(tmp_path):
    with pytest.raises(load_test.LoadTestError, match="holds 0 images"):
        load_test.pick_images(tmp_path, 3)


def test_percentiles_interpolate_like_numpy():
    assert load_test.percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.5
    assert load_test.percentile([1.0, 2.0, 3.0, 4.0], 95) == pytest.approx(3.85)


def test_throughput_runs_from_the_first_upload_to_the_last_result():
    uploads = [
        Upload("a", started=100.0, finished=100.5, status="done"),
        Upload("b", started=100.2, finished=102.0, status="done"),
        Upload("c", started=100.4),  # never finished
    ]
    result = LoadResult(clients=2, uploads=uploads, wall_seconds=3.0)
    assert result.throughput() == pytest.approx(2 / 2.0)
    assert result.latency_percentiles()["p50"] == pytest.approx((0.5 + 1.8) / 2)


def test_processes_are_told_apart_by_their_command_line():
    assert process_usage.role_of("python -m celery -A hematoportal worker") == "worker"
    assert process_usage.role_of("python -m gunicorn hematoportal.wsgi") == "web"
    assert process_usage.role_of("redis-server 127.0.0.1:6391") == "redis"
    assert process_usage.role_of("bash") is None


def test_it_reads_cpu_time_and_memory_of_a_process():
    sum(range(200_000))  # some CPU time to see
    assert process_usage.cpu_seconds(os.getpid()) > 0
    assert process_usage.rss_bytes(os.getpid()) > 10 * 1024 * 1024
    assert process_usage.cpu_seconds(2**22 + 1) is None  # no such process


def test_the_sampler_counts_the_load_test_itself(tmp_path):
    sampler = process_usage.UsageSampler(tmp_path, None)
    sampler.start()
    sum(range(10_000_000))  # well over one clock tick (10 ms) of CPU

    rows = sampler.stop()

    [client] = [row for row in rows if row.role == "client"]
    assert client.pid == os.getpid()
    assert client.cpu_used > 0
