"""BCCD's own fields with BCCD's own boxes (VOC XML), as a folder `fields evaluate` reads.

BCCD (data/bccd/BCCD) lists its fields in ImageSets/Main/{train,val,test}.txt; each has a VOC XML
box file in Annotations/. Its XML misses about half the red cells, so these boxes are used for
white cells only when choosing anything. `write_tree` copies the images and writes YOLO labels;
`unseen_trainval` names the train/val fields that the detector never trained on (those not in
the shared fields' training split): the extra fields the white-cell threshold is chosen on.
The test list is scored once, never tuned on (research/fields/bccd_test.py).
"""

import shutil
import xml.etree.ElementTree as ElementTree
from pathlib import Path

from ml.training import paths
from ml.training.fields import data

CLASSES = {"WBC": 0, "RBC": 1, "Platelets": 2}


def bccd_dir(data_dir: Path | None = None) -> Path:
    return Path(data_dir or paths.default_data_dir()) / "bccd"


def listed(part: str, data_dir: Path | None = None) -> list[str]:
    """Field names of one of BCCD's lists: train, val, trainval or test."""
    listing = bccd_dir(data_dir) / "BCCD" / "ImageSets" / "Main" / f"{part}.txt"
    return [line.strip() for line in listing.read_text().splitlines() if line.strip()]


def voc_to_yolo(xml_path: Path) -> list[str]:
    root = ElementTree.parse(xml_path).getroot()
    width, height = (float(root.find(f"size/{key}").text) for key in ("width", "height"))
    lines = []
    for item in root.iter("object"):
        box = [float(item.find(f"bndbox/{key}").text) for key in ("xmin", "ymin", "xmax", "ymax")]
        cx, cy = (box[0] + box[2]) / 2 / width, (box[1] + box[3]) / 2 / height
        w, h = (box[2] - box[0]) / width, (box[3] - box[1]) / height
        lines.append(f"{CLASSES[item.find('name').text]} {cx:.6f} {cy:.6f} {w:.6f} {h:.6f}")
    return lines


def write_tree(names: list[str], out: Path, data_dir: Path | None = None) -> int:
    """Write out/images and out/labels for these BCCD fields; returns how many."""
    source = bccd_dir(data_dir) / "BCCD"
    (out / "images").mkdir(parents=True, exist_ok=True)
    (out / "labels").mkdir(parents=True, exist_ok=True)
    for name in names:
        shutil.copyfile(source / "JPEGImages" / f"{name}.jpg", out / "images" / f"{name}.jpg")
        lines = voc_to_yolo(source / "Annotations" / f"{name}.xml")
        (out / "labels" / f"{name}.txt").write_text("\n".join(lines) + "\n")
    return len(names)


def unseen_trainval(data_dir: Path | None = None) -> list[str]:
    """BCCD's train/val fields outside the shared fields' training split."""
    trained = {
        Path(image).stem
        for (source, image), part in data.read_split().items()
        if source == "bccd" and part == "train"
    }
    return [name for name in listed("trainval", data_dir) if name not in trained]


def unseen_trainval_fields(out: Path, data_dir: Path | None = None) -> list[data.Field]:
    """The unseen train/val fields written under `out`, as Field records (source bccd-voc);
    none when the data directory has no BCCD."""
    if not (bccd_dir(data_dir) / "BCCD" / "ImageSets").is_dir():
        return []
    write_tree(unseen_trainval(data_dir), Path(out), data_dir)
    return data.folder_fields(Path(out), "bccd-voc")
