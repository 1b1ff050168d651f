"""Tables and plot of a backbone comparison (research/backbones/compare.py): comparison.md, .csv and
a PNG.

One row per backbone, best mean test accuracy first. With several seeds a score is the mean, its
sample standard deviation and its range (min-max), so that a gap smaller than the seed-to-seed
spread is not read as a win; with one seed the spread is left blank.
"""

import csv
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)
import numpy as np  # noqa: E402

MARKDOWN_FILE = "comparison.md"
CSV_FILE = "comparison.csv"
PLOT_FILE = "accuracy_vs_latency.png"
SPREAD_METRICS = ("accuracy", "macro_f1")
MEAN_METRICS = (
    "parameters",
    "bundle_mb",
    "tflite_mb",
    "latency_ms_p50",
    "latency_ms_p95",
    "train_seconds",
)


def spread(values: list[float]) -> dict:
    """mean, sample std (None for one value), min and max."""
    array = np.asarray(values, dtype=np.float64)
    return {
        "mean": float(array.mean()),
        "std": float(array.std(ddof=1)) if len(array) > 1 else None,
        "min": float(array.min()),
        "max": float(array.max()),
    }


def summarise(results: list[dict]) -> list[dict]:
    """One summary per backbone (all its seeds), sorted by mean test accuracy, best first."""
    by_backbone: dict[str, list[dict]] = {}
    for result in results:
        by_backbone.setdefault(result["backbone"], []).append(result)
    summaries = []
    for backbone, runs in by_backbone.items():
        runs = sorted(runs, key=lambda run: run["seed"])
        labels = list(runs[0]["recall"])
        summary = {
            "backbone": backbone,
            "initialisation": "/".join(sorted({run["initialisation"] for run in runs})),
            "seeds": [run["seed"] for run in runs],
            "run_accuracies": [run["accuracy"] for run in runs],
            "recall": {
                label: float(np.mean([run["recall"][label] for run in runs])) for label in labels
            },
        }
        summary.update({key: spread([run[key] for run in runs]) for key in SPREAD_METRICS})
        summary.update({key: float(np.mean([run[key] for run in runs])) for key in MEAN_METRICS})
        summaries.append(summary)
    return sorted(summaries, key=lambda summary: -summary["accuracy"]["mean"])


def csv_rows(summaries: list[dict]) -> list[dict]:
    rows = []
    for summary in summaries:
        row = {
            "backbone": summary["backbone"],
            "initialisation": summary["initialisation"],
            "seeds": " ".join(str(seed) for seed in summary["seeds"]),
        }
        for key in SPREAD_METRICS:
            stats = summary[key]
            row[key] = round(stats["mean"], 4)
            row[f"{key}_std"] = "" if stats["std"] is None else round(stats["std"], 4)
            row[f"{key}_min"] = round(stats["min"], 4)
            row[f"{key}_max"] = round(stats["max"], 4)
        row.update({f"recall_{label}": round(v, 4) for label, v in summary["recall"].items()})
        row.update({key: round(summary[key], 3) for key in MEAN_METRICS})
        row["parameters"] = int(summary["parameters"])
        rows.append(row)
    return rows


def write_csv(summaries: list[dict], path: Path) -> None:
    rows = csv_rows(summaries)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def format_score(stats: dict) -> str:
    if stats["std"] is None:
        return f"{stats['mean']:.3f}"
    return f"{stats['mean']:.3f} ± {stats['std']:.3f} ({stats['min']:.3f}–{stats['max']:.3f})"


def markdown_table(summaries: list[dict]) -> list[str]:
    labels = list(summaries[0]["recall"])
    header = ["backbone", "init", "seeds", "accuracy", "macro-F1"]
    header += [f"recall {label}" for label in labels]
    header += ["params (M)", "bundle MB", "TFLite MB", "latency p50 ms", "train min"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for summary in summaries:
        cells = [
            summary["backbone"],
            summary["initialisation"],
            ",".join(str(seed) for seed in summary["seeds"]),
            format_score(summary["accuracy"]),
            format_score(summary["macro_f1"]),
        ]
        cells += [f"{summary['recall'][label]:.2f}" for label in labels]
        cells += [
            f"{summary['parameters'] / 1e6:.2f}",
            f"{summary['bundle_mb']:.1f}",
            f"{summary['tflite_mb']:.1f}",
            f"{summary['latency_ms_p50']:.1f}",
            f"{summary['train_seconds'] / 60:.1f}",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def protocol_lines(protocol: dict) -> list[str]:
    images = protocol["images"]
    recipe = protocol.get("recipe", {})
    augment = recipe.get("augment", {})
    limit = protocol["limit_per_class"]
    val_limit = protocol.get("val_limit_per_class")
    val_limit = limit if val_limit is None else val_limit
    return [
        f"- dataset `{protocol['dataset']}`, images train/val/test "
        f"{images['train']}/{images['val']}/{images['test']} (at most {limit or 'all'} per class "
        f"in train and {val_limit or 'all'} in validation, subset seed {protocol['subset_seed']}; "
        f"test split whole), split sha256 `{protocol['split_hash'][:12]}`",
        f"- {protocol['image_size']} px; {protocol['head_epochs']} epoch(s) with the backbone "
        f"frozen (lr {protocol['learning_rate']}), then {protocol['fine_tune_epochs']} epoch(s) "
        f"of fine-tuning (AdamW, weight decay {recipe.get('weight_decay')}, cosine from "
        f"{protocol['fine_tune_learning_rate']}, gradient norm clipped at {protocol['clipnorm']}; "
        "BatchNorm frozen for ImageNet backbones, trained for scratch ones; the weights of the "
        f"best validation-loss epoch kept); batch {protocol['batch_size']}, dropout "
        f"{recipe.get('dropout')}, class-weighted loss; augmentation: flips and 90° rotations, "
        f"crops of at least {augment.get('min_crop')} of the side, colour and HED stain jitter",
        f"- latency: TFLite float32, 1 thread, one image at a time including JPEG decoding and "
        f"resizing (ml.training.bench), median of {protocol['latency']['runs']} runs",
    ]


def write_markdown(summaries: list[dict], protocol: dict, path: Path) -> None:
    lines = [f"# Backbone comparison: {protocol['dataset']}", "", *protocol_lines(protocol), ""]
    lines += [
        "Test split, scored once per run. With several seeds: mean ± sample std (min–max).",
        "",
        *markdown_table(summaries),
        "",
        f"![test accuracy against single-image latency]({PLOT_FILE})",
        "",
    ]
    path.write_text("\n".join(lines), encoding="utf-8")


def plot_accuracy_vs_latency(summaries: list[dict], path: Path, title: str) -> None:
    """Mean test accuracy (bars: min-max, dots: each seed) against p50 latency, log scale."""
    figure, axis = plt.subplots(figsize=(7, 4.5))
    for summary in summaries:
        accuracy = summary["accuracy"]
        pretrained = "imagenet" in summary["initialisation"]
        runs = summary["run_accuracies"]
        axis.scatter([summary["latency_ms_p50"]] * len(runs), runs, s=10, color="grey", zorder=3)
        axis.errorbar(
            summary["latency_ms_p50"],
            accuracy["mean"],
            yerr=[[accuracy["mean"] - accuracy["min"]], [accuracy["max"] - accuracy["mean"]]],
            fmt="o",
            markersize=8,
            capsize=3,
            color="tab:blue" if pretrained else "tab:orange",
            markerfacecolor="tab:blue" if pretrained else "white",
        )
        axis.annotate(
            summary["backbone"],
            (summary["latency_ms_p50"], accuracy["mean"]),
            textcoords="offset points",
            xytext=(6, 4),
            fontsize=8,
        )
    axis.plot([], [], "o", color="tab:blue", label="ImageNet initialisation")
    axis.plot([], [], "o", color="tab:orange", markerfacecolor="white", label="from scratch")
    chance = 1 / len(summaries[0]["recall"])
    axis.axhline(
        chance, color="grey", linestyle=":", label=f"chance (1/{len(summaries[0]['recall'])})"
    )
    axis.set_xscale("log")
    axis.set_xlabel("single-image latency, TFLite, 1 thread, p50 (ms, log scale)")
    axis.set_ylabel("test accuracy")
    axis.set_title(title)
    axis.grid(alpha=0.3, which="both")
    axis.legend(loc="lower right", fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def write_report(out: Path, results: list[dict], protocol: dict) -> list[Path]:
    """comparison.md, comparison.csv and accuracy_vs_latency.png in `out`; returns the paths."""
    summaries = summarise(results)
    if not summaries:
        return []
    paths = [out / MARKDOWN_FILE, out / CSV_FILE, out / PLOT_FILE]
    write_markdown(summaries, protocol, paths[0])
    write_csv(summaries, paths[1])
    title = f"{protocol['dataset']}, {protocol['image_size']} px: accuracy vs latency"
    plot_accuracy_vs_latency(summaries, paths[2], title)
    return paths
