"""The detector's threshold rules (ml/training/fields/evaluate.py) and BCCD's own boxes."""

import numpy as np
import pytest
from PIL import Image

from ml.serving.field_image import Letterbox
from ml.training.fields import bccd_voc, data
from ml.training.fields.evaluate import best_count, choose_thresholds, lowest_near_best_f1


def figures(*rows):
    return [(t, {"f1": f1, "count_error_pct": error}) for t, f1, error in rows]


def test_red_cells_take_the_lowest_count_error_that_keeps_f1():
    rows = figures((0.2, 0.931, 8.8), (0.225, 0.926, 8.4), (0.25, 0.918, 7.0))

    assert best_count(rows) == 0.225
    assert best_count(rows, min_f1=0.95) == 0.2  # none good enough: the best F1


def test_white_cells_take_the_lowest_threshold_near_the_best_f1():
    rows = figures((0.2, 0.970, 0), (0.225, 0.978, 0), (0.275, 0.984, 0), (0.3, 0.986, 0))

    assert lowest_near_best_f1(rows) == 0.225
    assert lowest_near_best_f1(rows, tolerance=0.0) == 0.3


def record(wbc_peak: float, true_wbc: bool) -> tuple:
    """One 32x32 field with a single WBC peak in its middle, labelled or not."""
    output = np.zeros((8, 8, 7), dtype=np.float32)
    output[4, 4, 0] = wbc_peak
    output[4, 4, 3:5] = 2.0
    boxes = np.array([[12.0, 12.0, 24.0, 24.0]]) if true_wbc else np.zeros((0, 4))
    classes = np.zeros(len(boxes), dtype=np.int64)
    return output, Letterbox((32, 32), 1.0), boxes, classes


def test_unseen_fields_lift_the_white_cell_threshold_above_a_faint_false_cell():
    validation = [record(0.9, True)]
    faint_false = [record(0.16, False), record(0.8, True)]

    assert choose_thresholds(validation, 4)["wbc"] == pytest.approx(0.1)
    assert choose_thresholds(validation, 4, faint_false)["wbc"] == pytest.approx(0.175)


XML = """<annotation><size><width>64</width><height>48</height></size>
<object><name>WBC</name><bndbox><xmin>0</xmin><ymin>8</ymin><xmax>32</xmax><ymax>40</ymax></bndbox></object>
<object><name>Platelets</name><bndbox><xmin>48</xmin><ymin>0</ymin><xmax>56</xmax><ymax>8</ymax></bndbox></object>
</annotation>"""


def test_bccd_train_val_fields_outside_the_training_split_become_yolo_fields(tmp_path):
    split = data.read_split()
    trained = next(i for (s, i), part in split.items() if s == "bccd" and part == "train")
    names = [trained.removesuffix(".jpg"), "BloodImage_99999"]
    bccd = tmp_path / "data" / "bccd" / "BCCD"
    (bccd / "ImageSets" / "Main").mkdir(parents=True)
    (bccd / "ImageSets" / "Main" / "trainval.txt").write_text("\n".join(names) + "\n")
    (bccd / "JPEGImages").mkdir()
    (bccd / "Annotations").mkdir()
    for name in names:
        Image.new("RGB", (64, 48)).save(bccd / "JPEGImages" / f"{name}.jpg")
        (bccd / "Annotations" / f"{name}.xml").write_text(XML)

    fields = bccd_voc.unseen_trainval_fields(tmp_path / "tree", tmp_path / "data")

    assert [field.image.stem for field in fields] == ["BloodImage_99999"]
    boxes, classes = data.read_yolo_labels(fields[0].labels, (64, 48))
    assert classes.tolist() == [0, 2]
    assert boxes[0] == pytest.approx([0, 8, 32, 40], abs=1e-3)
    assert bccd_voc.unseen_trainval_fields(tmp_path / "none", tmp_path / "empty") == []
