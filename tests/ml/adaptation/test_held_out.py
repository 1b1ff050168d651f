import json

from ml.adaptation.held_out import verdict
from ml.adaptation.progress import EpochProgress, ProgressFile


def test_it_accepts_a_drop_of_one_point_and_refuses_more():
    assert verdict({"accuracy": 0.95}, {"accuracy": 0.94})["accepted"]
    refused = verdict({"accuracy": 0.95}, {"accuracy": 0.93})
    assert not refused["accepted"]
    assert "dropped by 2.0 points" in refused["reason"]


def test_the_progress_file_gets_one_json_line_per_step(tmp_path):
    path = tmp_path / "progress.jsonl"
    progress = ProgressFile(path)
    watcher = EpochProgress(progress, epochs=2)
    watcher.set_params({"steps": 4})

    progress.write("decode", 1.0)
    watcher.on_epoch_begin(0)
    watcher.on_epoch_end(0)
    watcher.on_epoch_begin(1)
    watcher.on_epoch_end(1)

    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert lines[0] == {"stage": "decode", "percent": 1.0}
    assert [line["epoch"] for line in lines[1:]] == [1, 2]
    assert lines[-1]["percent"] == 85.0
    assert lines[-1]["seconds_left"] == 0


def test_no_progress_file_writes_nothing(tmp_path):
    ProgressFile(None).write("train", 50.0)

    assert list(tmp_path.iterdir()) == []
