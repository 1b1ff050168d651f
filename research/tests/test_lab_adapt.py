"""The lab adaptation bench: shots of distinct groups, files the route passes over skipped."""

import shutil
from pathlib import Path

from research.lab_adapt.bench import pick, write_tree

FIXTURES = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "images"


def _rows(count: int, groups: int) -> list[dict]:
    return [
        {"class": "neutrophil", "file": f"TRAIN/NEUTROPHIL/{i}.jpeg", "group": f"g{i % groups}"}
        for i in range(count)
    ]


def test_shots_come_one_per_group_in_a_seeded_order():
    chosen = pick(_rows(12, 3), seed=7, distinct_groups=True)["neutrophil"]
    assert len(chosen) == 3 and len({row["group"] for row in chosen}) == 3
    assert chosen == pick(list(reversed(_rows(12, 3))), seed=7, distinct_groups=True)["neutrophil"]
    assert len(pick(_rows(12, 3), seed=7, distinct_groups=False)["neutrophil"]) == 12


def test_a_file_the_route_classifies_nothing_in_is_passed_over(tmp_path, monkeypatch):
    images = tmp_path / "blood-cells-kaggle" / "dataset2-master" / "images" / "TRAIN" / "NEUTROPHIL"
    images.mkdir(parents=True)
    sources = sorted((FIXTURES / "neutrophil").glob("kaggle_*"))
    rows = []
    for index, source in enumerate(sources):
        shutil.copy(source, images / f"{index}.jpeg")
        rows.append({"class": "neutrophil", "file": f"TRAIN/NEUTROPHIL/{index}.jpeg", "group": ""})
    monkeypatch.setenv("HEMATOVISION_DATA", str(tmp_path))
    seen = []

    def frame(image):
        seen.append(image.size)
        return None if len(seen) == 1 else image.resize((8, 8))

    counts = write_tree({"neutrophil": rows}, 1, tmp_path / "tree", frame)

    assert counts == {"neutrophil": {"written": 1, "passed_over": 1}}
    assert [path.name for path in (tmp_path / "tree" / "neutrophil").iterdir()] == [
        "TRAIN_NEUTROPHIL_1.png"
    ]
