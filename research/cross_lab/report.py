"""The cross-lab ablation table (markdown) and coverage plots, from OUT/results.jsonl.

Written by `python -m research.cross_lab` after its rows; kept apart so that the table can be
redrawn from finished results without TensorFlow.
"""

import json
from pathlib import Path

import numpy as np

from ml.training.selective import plot_coverage_curves
from research.cross_lab.protocol import predictions_file

LAB_NAMES = {"pbc": "PBC", "kaggle": "Kaggle"}
SHORT_LABELS = {"eosinophil": "eos", "lymphocyte": "lym", "monocyte": "mono", "neutrophil": "neu"}


def read_rows(out: Path, protocol_key: str | None = None) -> list[dict]:
    results = Path(out) / "results.jsonl"
    if not results.is_file():
        return []
    rows = [json.loads(line) for line in results.read_text().splitlines() if line.strip()]
    return [row for row in rows if protocol_key is None or row["protocol_key"] == protocol_key]


def _recalls(scores: dict) -> str:
    return " / ".join(f"{scores['recall'][label]:.2f}" for label in SHORT_LABELS)


def _cells(scores: dict) -> list[str]:
    return [
        f"{scores['accuracy']:.3f}",
        f"{scores['macro_f1']:.3f}",
        _recalls(scores),
        f"{scores['ece']:.3f}",
        f"{scores['flagged_share']:.2f}",
        f"{scores['accuracy_kept']:.3f}",
    ]


def table_rows(rows: list[dict]) -> list[list[str]]:
    """One line per (row, test lab): in-lab lines then cross-lab lines."""
    lines = []
    for row in rows:
        direction = row["direction"].replace("_to_", " → ").replace("pbc", "PBC")
        direction = direction.replace("kaggle", "Kaggle")
        for lab, scores in row["test"].items():
            kind = "cross-lab" if lab in row["targets"] else "in-lab"
            lines.append(
                [row["variant"], direction, f"{LAB_NAMES[lab]} test ({kind})", *_cells(scores)]
            )
    return lines


def markdown_table(rows: list[dict]) -> str:
    header = [
        "variant",
        "trained on",
        "tested on",
        "accuracy",
        "macro-F1",
        "recall eos / lym / mono / neu",
        "ECE",
        "flagged",
        "accuracy of the rest",
    ]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cells) + " |" for cells in table_rows(rows)]
    return "\n".join(lines)


def timing_table(rows: list[dict]) -> str:
    lines = ["| variant | trained on | training images | seconds |", "|---|---|---|---|"]
    for row in rows:
        lines.append(
            f"| {row['variant']} | {row['direction']} | {row['train_images']} | {row['seconds']} |"
        )
    return "\n".join(lines)


def validation_table(rows: list[dict]) -> str:
    """Each lab's validation split: accuracy (the basis for choices), median confidence and
    share flagged (the basis for the portal's domain-check bounds; they need no labels)."""
    lines = [
        "| variant | trained on | validation images of | accuracy | median confidence | flagged |",
        "|---|---|---|---|---|---|",
    ]
    for row in rows:
        for lab, seen in row["val"].items():
            kind = "other lab" if lab in row["targets"] else "own lab"
            lines.append(
                f"| {row['variant']} | {row['direction']} | {LAB_NAMES[lab]} ({kind}) | "
                f"{seen['accuracy']:.3f} | {seen['median_confidence']:.3f} | "
                f"{seen['flagged_share']:.2f} |"
            )
    return "\n".join(lines)


def plot_direction(out: Path, rows: list[dict], direction: str) -> Path | None:
    """Coverage curves of every variant of one direction on the other lab, plus in-lab baseline."""
    curves, thresholds = {}, {}
    for row in rows:
        if row["direction"] != direction:
            continue
        for lab in row["test"]:
            kind = "cross-lab" if lab in row["targets"] else "in-lab"
            if kind == "in-lab" and row["variant"] != "baseline":
                continue
            file = predictions_file(out, row["variant"], direction, row["protocol_key"], lab)
            if file.is_file():
                saved = np.load(file)
                name = f"{row['variant']} ({kind})"
                curves[name] = (saved["confidence"], saved["correct"])
                thresholds[name] = row["threshold"]
    if not curves:
        return None
    path = out / f"coverage_{direction}.png"
    title = direction.replace("_to_", " → ").replace("pbc", "PBC").replace("kaggle", "Kaggle")
    plot_coverage_curves(curves, path, f"trained on {title}", thresholds)
    return path


def write_report(out: Path, protocol) -> str:
    """Write OUT/table.md and the coverage PNGs; returns the markdown."""
    out = Path(out)
    rows = read_rows(out, protocol.key())
    for direction in sorted({row["direction"] for row in rows}):
        plot_direction(out, rows, direction)
    text = "\n\n".join(
        [
            f"Protocol {protocol.key()}: {json.dumps(rows[0]['protocol']) if rows else ''}",
            markdown_table(rows),
            validation_table(rows),
            timing_table(rows),
        ]
    )
    (out / "table.md").write_text(text + "\n", encoding="utf-8")
    return text
