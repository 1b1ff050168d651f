"""The cross-lab protocol: labs, directions, the ablation's variants and what every row shares.

research/cross_lab/study.py runs it; the Protocol's hash keys the rows in results.jsonl so that a
resumed run skips only rows trained under the same protocol.
"""

import hashlib
import json
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from ml.serving.preprocess import CELL_CROP, CELL_FIELD, STRETCH
from ml.training import data

SHARED_LABELS = list(data.KAGGLE_LABELS)  # eosinophil, lymphocyte, monocyte, neutrophil
LABS = ("pbc", "kaggle")
DIRECTIONS = {"pbc_to_kaggle": ("pbc", "kaggle"), "kaggle_to_pbc": ("kaggle", "pbc")}
# Strong colour and stain jitter (the baseline's AugmentConfig is the mild shipped one).
STRONG_COLOUR = {
    "brightness": 0.15,
    "contrast": 0.3,
    "saturation": 0.3,
    "hue": 0.08,
    "stain_scale": 0.2,
    "stain_shift": 0.05,
}

JPEG_RESAVE = {"jpeg_probability": 0.5, "jpeg_min_quality": 50}
SOFTER_AND_RESAVED = {"blur": 1.5, **JPEG_RESAVE}
# Greyscale rows: light and contrast still vary; any hue or stain jitter would bring colour back.
GREY_ROBUST = {
    **STRONG_COLOUR,
    "saturation": 0.0,
    "hue": 0.0,
    "stain_scale": 0.0,
    "stain_shift": 0.0,
    **SOFTER_AND_RESAVED,
}


@dataclass(frozen=True)
class Variant:
    """One change from the baseline recipe."""

    description: str
    augment: dict = field(default_factory=dict)
    normalise: str = (
        ""  # of every input: "reinhard", "macenko" or "grey" (research/cross_lab/stain.py)
    )
    adapt_batchnorm: bool = False  # BatchNorm statistics of the target lab (scoring only)
    both_labs: bool = False  # one model trained on both labs' train splits
    resize: str = STRETCH  # how every image (train and test, both labs) is framed
    base: str = ""  # the row whose trained model this one starts from, instead of training anew
    pseudo_share: float = 0.0  # self-training on this share of the target lab's unlabelled images
    # Rows whose models also vote on the pseudo-labels (mean probability with this row's own
    # model), each seeing the target images in its own framing and normalisation. "ROW@SEED"
    # names that row trained under the same protocol with another seed; it is left out of the
    # vote when SEED is the run's own seed (the row's own model already votes for that seed).
    teachers: tuple[str, ...] = ()
    # Labelled cells per class of the other lab's train split that join the training (distinct
    # originals, ml/adaptation/few_shot.py). Not leave-one-lab-out: how few labels does a new lab
    # need?
    labelled_per_class: int = 0


VARIANTS = {
    "baseline": Variant("shipped recipe: flips/rotations, crop 0.85-1, mild colour + HED jitter"),
    "stain_aug": Variant("strong colour + HED stain jitter", augment=STRONG_COLOUR),
    "scale_aug": Variant(
        "scale: zoom 0.7-1.4x, off-centre up to 15%", augment={"zoom": 0.4, "zoom_offset": 0.15}
    ),
    "jpeg_aug": Variant(
        "JPEG re-save q50-95, 4:2:0/4:4:4, half the images",
        augment=JPEG_RESAVE,
    ),
    "stain_norm": Variant("Reinhard stain normalisation of every input", normalise="reinhard"),
    "bn_adapt": Variant(
        "baseline + BatchNorm statistics re-estimated on the target lab's unlabelled train images",
        adapt_batchnorm=True,
        base="baseline",
    ),
    "both_labs": Variant("trained on both labs' train splits at once", both_labs=True),
    "cell_crop": Variant(
        "every image cropped to a square around the stained cell, 2x its size "
        "(ml/serving/cellcrop.py)",
        resize=CELL_CROP,
    ),
    # Not one change: the ones that helped on validation, together.
    "cell_crop_stain_aug": Variant(
        "cell crop + strong colour and HED stain jitter", augment=STRONG_COLOUR, resize=CELL_CROP
    ),
    "cell_crop_robust": Variant(
        "cell crop + strong colour/HED jitter + blur up to sigma 1.5 px + JPEG re-save",
        augment={**STRONG_COLOUR, **SOFTER_AND_RESAVED},
        resize=CELL_CROP,
    ),
    "cell_crop_stain_norm": Variant(
        "cell crop + Reinhard stain normalisation", normalise="reinhard", resize=CELL_CROP
    ),
    "cell_field": Variant(
        "a field of 0.7 x the shorter side centred on the stained cell: cells keep their true size",
        resize=CELL_FIELD,
    ),
    "cell_field_robust": Variant(
        "cell field + strong colour/HED jitter + blur up to sigma 1.5 px + JPEG re-save",
        augment={**STRONG_COLOUR, **SOFTER_AND_RESAVED},
        resize=CELL_FIELD,
    ),
    "cell_field_stain_aug": Variant(
        "cell field + strong colour and HED stain jitter", augment=STRONG_COLOUR, resize=CELL_FIELD
    ),
    "cell_field_stain_norm": Variant(
        "cell field + Reinhard stain normalisation", normalise="reinhard", resize=CELL_FIELD
    ),
    "cell_field_norm_soft": Variant(
        "cell field + Reinhard stain normalisation + blur up to sigma 1.5 px + JPEG re-save",
        augment=SOFTER_AND_RESAVED,
        normalise="reinhard",
        resize=CELL_FIELD,
    ),
    "cell_crop_grey": Variant(
        "cell crop + greyscale input + brightness/contrast jitter, blur, JPEG re-save",
        augment=GREY_ROBUST,
        normalise="grey",
        resize=CELL_CROP,
    ),
}


def self_trained(base: str, share: float) -> Variant:
    """The base row's model, then class-balanced self-training on the other lab's train images
    (their pictures only, never their labels; ml/adaptation/self_training.py)."""
    return replace(
        VARIANTS[base],
        description=f"{base} + self-training on the most confident {share:.0%} of each class "
        "the model gives the other lab's unlabelled train images",
        base=base,
        pseudo_share=share,
    )


VARIANTS.update(
    {
        f"{base}_self": self_trained(base, 0.5)
        for base in ("cell_crop_robust", "cell_field_stain_norm", "cell_field_norm_soft")
    }
)
# Further rounds, each from the last round's model, on a larger share.
VARIANTS["cell_field_norm_soft_self2"] = self_trained("cell_field_norm_soft_self", 0.75)
VARIANTS["cell_field_norm_soft_self3"] = self_trained("cell_field_norm_soft_self2", 0.9)


def voted(base: str, share: float, teachers: list[str], voters: str) -> Variant:
    """Self-training on pseudo-labels from the mean probability of the base row's model and
    `teachers`; `voters` says who votes, for the row's description."""
    variant = self_trained(base, share)
    return replace(
        variant,
        description=f"{variant.description}; pseudo-labels from the mean of {voters}",
        teachers=tuple(teachers),
    )


def taught_by(base: str, teacher: str, share: float) -> Variant:
    """Self-training whose pseudo-labels come from the mean of two models that frame a cell
    differently: where one framing misleads a model in the new lab, the other may not."""
    return voted(base, share, [teacher], f"its and {teacher}'s probabilities")


# The field model (Reinhard-normalised) and the crop model (no normalisation) as joint teachers.
VARIANTS["cell_field_norm_soft_pair"] = taught_by("cell_field_norm_soft", "cell_crop_robust", 0.5)
VARIANTS["cell_field_norm_soft_pair2"] = taught_by(
    "cell_field_norm_soft_pair", "cell_crop_robust", 0.75
)
# Co-training: the crop model learns from the same votes, and each next round's teacher is the
# other framing's model of the round before.
VARIANTS["cell_crop_robust_pair"] = taught_by("cell_crop_robust", "cell_field_norm_soft", 0.5)
VARIANTS["cell_field_norm_soft_co2"] = taught_by(
    "cell_field_norm_soft_pair", "cell_crop_robust_pair", 0.75
)
VARIANTS["cell_crop_robust_co2"] = taught_by(
    "cell_crop_robust_pair", "cell_field_norm_soft_pair", 0.75
)
VARIANTS["cell_field_norm_soft_co3"] = taught_by(
    "cell_field_norm_soft_co2", "cell_crop_robust_co2", 0.9
)


def seed_taught(base: str, teacher: str, share: float, seeds: tuple[int, ...]) -> Variant:
    """Self-training whose pseudo-labels come from the mean of this row's model and `teacher`'s
    models trained with the other seeds: how far single-model rounds go depends on how good
    the one model they start from happens to be (research/cross_lab/README.md)."""
    voters = f"its and the {teacher} models of the other seeds among {', '.join(map(str, seeds))}"
    return voted(base, share, [seeded(teacher, seed) for seed in seeds], voters)


def seeded(row: str, seed: int) -> str:
    return f"{row}@{seed}"


def parse_teacher(teacher: str) -> tuple[str, int | None]:
    """("row", seed) of "row@seed"; ("row", None) of a teacher under the run's own seed."""
    row, _, seed = teacher.partition("@")
    return row, int(seed) if seed else None


def voting_teachers(variant: Variant, run_seed: int) -> list[tuple[str, str, int | None]]:
    """(name, row, seed) of each teacher that votes beside the row's own model in a run under
    `run_seed`; "ROW@SEED" of the run's own seed is left out (see `Variant.teachers`)."""
    voting = []
    for teacher in variant.teachers:
        row, seed = parse_teacher(teacher)
        if seed != run_seed:
            voting.append((teacher, row, seed))
    return voting


ENSEMBLE_SEEDS = (1, 2, 3)
VARIANTS["cell_field_norm_soft_seeds"] = seed_taught(
    "cell_field_norm_soft", "cell_field_norm_soft", 0.5, ENSEMBLE_SEEDS
)
VARIANTS["cell_field_norm_soft_seeds2"] = seed_taught(
    "cell_field_norm_soft_seeds", "cell_field_norm_soft", 0.75, ENSEMBLE_SEEDS
)
# The second round taught by the other seeds' first-round students instead of their bases.
VARIANTS["cell_field_norm_soft_seeds_co2"] = seed_taught(
    "cell_field_norm_soft_seeds", "cell_field_norm_soft_seeds", 0.75, ENSEMBLE_SEEDS
)
# A third round, voted by all seeds' second-round students.
VARIANTS["cell_field_norm_soft_seeds_co3"] = seed_taught(
    "cell_field_norm_soft_seeds_co2", "cell_field_norm_soft_seeds_co2", 0.9, ENSEMBLE_SEEDS
)


def all_seeds_taught(
    base: str, rows: tuple[str, ...], share: float, seeds: tuple[int, ...]
) -> Variant:
    """Self-training whose pseudo-labels come from the mean of every model of `rows` under every
    seed among `seeds`: both framings' students (PBC -> Kaggle) and several seeds' at once. This
    row's own model stands for `base` under the run's seed; another row under the run's seed is
    named without a seed, because a teacher "ROW@SEED" of the run's own seed is skipped."""
    teachers = []
    for row in rows:
        own_seed = () if row == base else (row,)
        teachers += [*own_seed, *(seeded(row, seed) for seed in seeds)]
    voters = f"the {' and '.join(rows)} models of seeds {', '.join(map(str, seeds))}"
    return voted(base, share, teachers, voters)


# PBC -> Kaggle: round 2 of the crop model (as in cell_crop_robust_co2) voted by both framings'
# round-1 students of all three seeds.
VARIANTS["cell_crop_robust_pairs_co2"] = all_seeds_taught(
    "cell_crop_robust_pair",
    ("cell_crop_robust_pair", "cell_field_norm_soft_pair"),
    0.75,
    ENSEMBLE_SEEDS,
)


def few_shot(base: str, per_class: int) -> Variant:
    """The base row's model fine-tuned again with `per_class` labelled cells of each class of
    the other lab beside its own training images; rows built on it keep those cells."""
    return replace(
        VARIANTS[base],
        description=f"{base} + fine-tuned again with {per_class} labelled cells per class of the "
        "other lab (distinct originals, repeated to ~20% of the training images)",
        base=base,
        pseudo_share=0.0,
        teachers=(),
        labelled_per_class=per_class,
    )


# PBC -> Kaggle from the crop model, Kaggle -> PBC from the field model: each direction's base.
for _base in ("cell_crop_robust", "cell_field_norm_soft"):
    for _per_class in (3, 10):
        VARIANTS[f"{_base}_shots{_per_class}"] = few_shot(_base, _per_class)
    VARIANTS[f"{_base}_shots10_self"] = self_trained(f"{_base}_shots10", 0.5)


@dataclass(frozen=True)
class Protocol:
    """What every row shares; its hash keys the rows in results.jsonl."""

    image_size: int = 128
    head_epochs: int = 2
    epochs: int = 4  # fine-tuning epochs at most (early stopping on validation loss)
    limit_per_class: int = 400  # training images per class and lab; 0 = all
    val_limit_per_class: int = 150
    adapt_images: int = 512  # unlabelled target images for BatchNorm adaptation
    backbone: str = "mobilenet_025"
    batch_size: int = 32
    seed: int = 1

    def key(self) -> str:
        text = json.dumps(asdict(self), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:12]


def rows_needed(variant: str) -> list[str]:
    """The row and every row it starts from or learns from, bases and teachers first."""
    needed = []
    teachers = [parse_teacher(teacher)[0] for teacher in VARIANTS[variant].teachers]
    for name in (VARIANTS[variant].base, *teachers):
        if name:
            needed += [row for row in rows_needed(name) if row not in needed]
    return [*needed, variant]


def model_file(out: Path, variant: str, direction: str, protocol_key: str) -> Path:
    """Where a row's trained model is kept; a row with a `base` loads its base row's file."""
    return out / "models" / f"{variant}__{direction}__{protocol_key}.keras"


def predictions_file(out: Path, variant: str, direction: str, protocol_key: str, lab: str) -> Path:
    """Where a row's per-image test predictions on one lab are kept; the protocol is part of the
    name, so that a rerun under another seed or size does not overwrite them."""
    return out / "predictions" / f"{variant}__{direction}__{protocol_key}__{lab}.npz"
