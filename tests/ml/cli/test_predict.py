"""python -m ml predict: label, confidence and top 3 per image; bad files do not stop the rest."""

import json

from tests.ml.conftest import FIXTURE_IMAGES, run_command

IMAGES = sorted(FIXTURE_IMAGES.glob("*/pbc_*"))[:2]


def test_it_prints_label_confidence_and_top_3(tiny_bundle, tiny_classifier, capsys):
    code = run_command("predict", ["--model", str(tiny_bundle), *map(str, IMAGES)])

    lines = capsys.readouterr().out.splitlines()
    assert code == 0
    assert len(lines) == 2
    assert lines[0].startswith(f"{IMAGES[0]}: ")
    assert "top-3:" in lines[0]
    label = lines[0].split(": ")[1].split()[0]
    assert label in tiny_classifier.labels


def test_it_prints_json_on_request(tiny_bundle, capsys):
    code = run_command("predict", ["--model", str(tiny_bundle), "--json", str(IMAGES[0])])

    [result] = json.loads(capsys.readouterr().out)
    assert code == 0
    assert result["image"] == str(IMAGES[0])
    assert len(result["top"]) == 3
    assert result["top"][0]["label"] == result["label"]
    assert result["top"][0]["probability"] == result["confidence"]


def test_an_unreadable_file_is_reported_and_the_others_are_still_predicted(
    tiny_bundle, tmp_path, capsys
):
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG but not really")

    code = run_command("predict", ["--model", str(tiny_bundle), str(broken), *map(str, IMAGES)])

    captured = capsys.readouterr()
    assert code == 1
    assert "broken.png" in captured.err
    assert len(captured.out.splitlines()) == 2
