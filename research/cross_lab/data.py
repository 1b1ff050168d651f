"""What the cross-lab rows train and are scored on: each lab's decoded splits of the shared classes,
framed and stain-normalised the way a row asks (research/cross_lab/study.py runs the rows)."""

from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from ml.adaptation.few_shot import with_shots
from ml.training import data, paths
from research.cross_lab.protocol import DIRECTIONS, LABS, SHARED_LABELS, VARIANTS, Protocol
from research.cross_lab.shots import select_shots


@dataclass
class LabArrays:
    """uint8 images and shared-label targets of one lab's train, val and test splits."""

    name: str
    arrays: dict[str, tuple[np.ndarray, np.ndarray]]
    # Which original each train image is a copy of (Kaggle's split groups; a PBC file is its own).
    train_groups: np.ndarray | None = None


def shared_items(splits: data.DatasetSplits, split: str) -> list[tuple[Path, int]]:
    """The split's items of the shared classes, with targets re-indexed to SHARED_LABELS."""
    return [
        (path, SHARED_LABELS.index(splits.labels[label]))
        for path, label in splits.items[split]
        if splits.labels[label] in SHARED_LABELS
    ]


def load_lab(
    name: str, data_dir: Path, split_csv: Path | None, protocol: Protocol, resize: str
) -> LabArrays:
    """Decode (through the cache) the lab's splits at the protocol's size and limits."""
    from ml.training.train_data import limit_items

    splits = data.load_splits(name, data_dir, split_csv=split_csv)
    limits = {"train": protocol.limit_per_class, "val": protocol.val_limit_per_class, "test": 0}
    arrays, image_paths = {}, {}
    for split, limit in limits.items():
        items = limit_items(shared_items(splits, split), limit, protocol.seed)
        image_paths[split] = [path for path, _ in items]
        images = data.cached_images(
            f"crosslab_{name}_{split}", image_paths[split], protocol.image_size, resize
        )
        arrays[split] = (images, np.array([t for _, t in items], dtype=np.int64))
    return LabArrays(name, arrays, group_ids(name, data_dir, split_csv, image_paths["train"]))


def group_ids(name: str, data_dir: Path, split_csv: Path | None, image_paths: list) -> np.ndarray:
    """The split file's group of each Kaggle image (augmented copies of one original share it);
    a PBC image's own file name."""
    if name != "kaggle":
        return np.array([Path(path).name for path in image_paths])
    rows = data.read_split_csv(split_csv or paths.SPLITS_DIR / "kaggle.csv")
    group_of = {row["file"]: row["group"] for row in rows}
    images = paths.kaggle_images_dir(data_dir)
    return np.array([group_of[Path(path).relative_to(images).as_posix()] for path in image_paths])


def sample(images: np.ndarray, count: int, seed: int) -> np.ndarray:
    """A seeded random subset (the arrays are sorted by class, so a prefix would be one class)."""
    order = np.random.default_rng(seed).permutation(len(images))[:count]
    return images[np.sort(order)]


def normalise_lab(lab: LabArrays, method: str, reference: np.ndarray) -> LabArrays:
    from research.cross_lab.stain import normalise_batch

    return LabArrays(
        lab.name,
        {
            split: (normalise_batch(images, method, reference), targets)
            for split, (images, targets) in lab.arrays.items()
        },
        lab.train_groups,
    )


def joined(labs: list[LabArrays], split: str) -> tuple[np.ndarray, np.ndarray]:
    if len(labs) == 1:  # no copy: a row's inputs are asked for again by its bases and teachers
        return labs[0].arrays[split]
    return (
        np.concatenate([lab.arrays[split][0] for lab in labs]),
        np.concatenate([lab.arrays[split][1] for lab in labs]),
    )


@dataclass
class RowInputs:
    """What one row trains on and is scored on, framed and normalised the row's way."""

    sources: list[str]
    targets: list[str]
    labs: dict[str, LabArrays]  # both labs
    arrays: dict[str, tuple[np.ndarray, np.ndarray]]  # the source lab(s)' train and val
    # Indices into target_train of the labelled cells of the new lab that joined arrays["train"].
    shots: np.ndarray = field(default_factory=lambda: np.array([], dtype=np.int64))

    @property
    def target_train(self) -> tuple[np.ndarray, np.ndarray] | None:
        """The other lab's train split: unlabelled images for adaptation and self-training."""
        return self.labs[self.targets[0]].arrays["train"] if self.targets else None


@dataclass
class Workspace:
    """The decoded labs (one set per framing), the protocol and the results folder of a run."""

    labs_by_resize: dict[str, dict[str, LabArrays]]
    protocol: Protocol
    out: Path
    normalised: dict = field(default_factory=dict)  # (resize, method, source, seed) -> labs

    def with_seed(self, seed: int) -> "Workspace":
        """The same decoded labs and folder under another seed (a teacher "row@seed")."""
        return Workspace(
            self.labs_by_resize, replace(self.protocol, seed=seed), self.out, self.normalised
        )

    def inputs(self, variant_name: str, direction: str) -> RowInputs:
        variant = VARIANTS[variant_name]
        if variant.both_labs:
            sources, targets = list(LABS), []
        else:
            source, target = DIRECTIONS[direction]
            sources, targets = [source], [target]
        labs = self.labs_by_resize[variant.resize]
        if variant.normalise:
            key = (variant.resize, variant.normalise, sources[0], self.protocol.seed)
            if key not in self.normalised:
                # The reference is the training lab's: a new lab is mapped onto what was learnt.
                reference = sample(labs[sources[0]].arrays["train"][0], 200, self.protocol.seed)
                self.normalised[key] = {
                    name: normalise_lab(lab, variant.normalise, reference)
                    for name, lab in labs.items()
                }
            labs = self.normalised[key]
        arrays = {split: joined([labs[n] for n in sources], split) for split in ("train", "val")}
        shots = np.array([], dtype=np.int64)
        if variant.labelled_per_class:
            target = labs[targets[0]]
            images, truth = target.arrays["train"]
            shots = select_shots(
                truth, target.train_groups, variant.labelled_per_class, self.protocol.seed
            )
            arrays["train"] = with_shots(arrays["train"], images[shots], truth[shots])
        return RowInputs(sources, targets, {name: labs[name] for name in LABS}, arrays, shots)
