"""Group Kaggle TRAIN images by the original smear image they were augmented from.

Kaggle TRAIN holds ~2,500 Keras augmentations per class (rotation, shear, shift, zoom, flips, black
fill) of only 277 originals, so a random validation split would hold near-copies of training
images. Each image gets two descriptors, both blind to flips and rotations:
- a perceptual hash (ImageHash pHash) of the image under each of the 8 flips/90-degree rotations;
  the distance of two images is the smallest Hamming distance over those 8 views;
- a colour histogram of the non-black pixels (the black fill comes from the augmentation): an
  original's illumination and stain stay the same under any geometric transform.
Within each class, average-linkage agglomerative clustering on the combined distance cuts the
images into as many groups as the class has originals (max(N)+1 over the `_{N}_{random}.jpeg`
names, see the data's PROVENANCE.md); clusters under half the expected size are fragments and join
their closest big cluster. Whole groups then go to train or val.
"""

import random
import re
from collections import Counter
from pathlib import Path

import imagehash
import numpy as np
from PIL import Image, ImageOps
from sklearn.cluster import AgglomerativeClustering

from ml.training import paths

VAL_FRACTION = 0.2
HASH_WEIGHT = 0.5  # share of the pHash distance in the combined distance (the rest: colour)
HISTOGRAM_BINS = 8
BLACK_FILL = 30  # pixels whose R+G+B is below this are the augmentation's fill
NAME_PATTERN = re.compile(r"^_(\d+)_\d+\.jpe?g$", re.IGNORECASE)


def dihedral_views(image: Image.Image) -> list[Image.Image]:
    views = []
    for base in (image, ImageOps.mirror(image)):
        views += [base.rotate(angle, expand=True) for angle in (0, 90, 180, 270)]
    return views


def describe(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """(8 pHashes as a (8, 64) bool array, normalised colour histogram of non-fill pixels)."""
    with Image.open(path) as image:
        image = image.convert("RGB")
    hashes = np.stack([imagehash.phash(view).hash.ravel() for view in dihedral_views(image)])
    pixels = np.asarray(image).reshape(-1, 3)
    pixels = pixels[pixels.astype(np.int32).sum(axis=1) >= BLACK_FILL]
    bins = (pixels // (256 // HISTOGRAM_BINS)).astype(np.int64)
    index = (bins[:, 0] * HISTOGRAM_BINS + bins[:, 1]) * HISTOGRAM_BINS + bins[:, 2]
    histogram = np.bincount(index, minlength=HISTOGRAM_BINS**3).astype(np.float64)
    return hashes, histogram / max(histogram.sum(), 1.0)


def pairwise_distance(hashes: np.ndarray, histograms: np.ndarray) -> np.ndarray:
    """Combined distance in [0, 1]: HASH_WEIGHT * pHash + (1 - HASH_WEIGHT) * colour."""
    count = len(hashes)
    first_view = hashes[:, 0, :].astype(np.int16)  # (n, 64)
    hash_distance = np.full((count, count), 64, dtype=np.int16)
    for view in range(hashes.shape[1]):
        other = hashes[:, view, :].astype(np.int16)
        # Hamming distance between image i (view 0) and image j (any view) via dot products.
        same = first_view @ other.T + (1 - first_view) @ (1 - other).T
        hash_distance = np.minimum(hash_distance, 64 - same)
    hash_distance = np.minimum(hash_distance, hash_distance.T) / 64.0
    colour = np.zeros((count, count))
    for start in range(0, count, 256):
        block = histograms[start : start + 256, None, :]
        colour[start : start + 256] = 0.5 * np.abs(block - histograms[None, :, :]).sum(axis=2)
    return HASH_WEIGHT * hash_distance + (1 - HASH_WEIGHT) * colour


def originals_in_names(files: list[Path]) -> int:
    """max(N) + 1 over `_{N}_{random}.jpeg` names: the number of originals behind these files."""
    numbers = [int(m.group(1)) for f in files if (m := NAME_PATTERN.match(f.name))]
    return max(numbers) + 1 if numbers else 1


def cluster_class(files: list[Path]) -> np.ndarray:
    """Group id (0..k-1) per file, k = number of originals behind the files."""
    descriptors = [describe(path) for path in files]
    hashes = np.stack([d[0] for d in descriptors])
    histograms = np.stack([d[1] for d in descriptors])
    distance = pairwise_distance(hashes, histograms)
    clusters = min(originals_in_names(files), len(files))
    clustering = AgglomerativeClustering(
        n_clusters=clusters, metric="precomputed", linkage="average"
    )
    return absorb_fragments(clustering.fit_predict(distance), distance, len(files) / clusters)


def absorb_fragments(groups: np.ndarray, distance: np.ndarray, expected_size: float) -> np.ndarray:
    """Move the images of clusters under half the expected size into the closest big cluster.

    A fixed cluster count trades a few merged originals (harmless: they stay on one side) for
    fragments split off an original; a fragment left alone could land on the other side of the
    split from the rest of its original, so it joins the big cluster it is closest to on average.
    """
    sizes = Counter(groups.tolist())
    big = [group for group, size in sizes.items() if size >= expected_size / 2]
    if not big:
        return groups
    result = groups.copy()
    mean_distance = np.stack([distance[:, groups == group].mean(axis=1) for group in big], axis=1)
    for index, group in enumerate(groups):
        if sizes[group] < expected_size / 2:
            result[index] = big[int(mean_distance[index].argmin())]
    return result


def make_kaggle_split(data_dir: Path, labels: list[str], seed: int = 20240611) -> list[dict]:
    """Rows (class, file, split, group) for TRAIN (train/val by group) and TEST (test), for the
    classes `labels` (ml.training.data.KAGGLE_LABELS)."""
    images = paths.kaggle_images_dir(data_dir)
    rng = random.Random(seed)
    rows = []
    for label in labels:
        folder = images / "TRAIN" / label.upper()
        files = sorted(p for p in folder.iterdir() if p.suffix.lower() in (".jpg", ".jpeg"))
        groups = cluster_class(files)
        group_ids = sorted(set(groups.tolist()))
        rng.shuffle(group_ids)
        # Val gets ~20 % of the groups; biggest-first filling would skew it, so take them in order.
        val_groups = set(group_ids[: max(1, round(len(group_ids) * VAL_FRACTION))])
        sizes = Counter(groups.tolist())
        print(
            f"{label}: {len(files)} images, {len(group_ids)} groups, sizes {sorted(sizes.values())}"
        )
        for path, group in zip(files, groups, strict=True):
            split = "val" if group in val_groups else "train"
            rows.append(
                {
                    "class": label,
                    "file": f"TRAIN/{folder.name}/{path.name}",
                    "split": split,
                    "group": f"{label}-{group}",
                }
            )
        test_folder = images / "TEST" / label.upper()
        for path in sorted(test_folder.iterdir()):
            rows.append(
                {
                    "class": label,
                    "file": f"TEST/{test_folder.name}/{path.name}",
                    "split": "test",
                    "group": "",
                }
            )
    return rows
