"""Exact coverage and width of three 95 % intervals for a class's share of a white-cell count.

For a differential of n cells and a true share p, the count k of a class is binomial(n, p); an
interval method "covers" when p lies inside its interval for k. Coverage is summed exactly over
k (no simulation). The methods: Wald (p +/- z*se, the textbook one), Wilson score (what the
portal ships, classifier/differential.py) and Clopper-Pearson (exact, the basis of Rümke's
table). The grid of true shares covers what a differential meets: basophils near 0.5 %,
eosinophils and monocytes at a few per cent, lymphocytes and neutrophils at 20-70 %.
"""

import argparse
import json
import math

Z_95 = 1.959963984540054
ALPHA = 0.05
SHARES = [0.005, 0.01, 0.02, 0.03, 0.05, 0.08, 0.10, 0.20, 0.30, 0.50, 0.60, 0.70]


def wald(k: int, n: int) -> tuple[float, float]:
    p = k / n
    half = Z_95 * math.sqrt(p * (1 - p) / n)
    return max(0.0, p - half), min(1.0, p + half)


def wilson(k: int, n: int) -> tuple[float, float]:
    p = k / n
    denominator = 1 + Z_95**2 / n
    centre = (p + Z_95**2 / (2 * n)) / denominator
    half = Z_95 * math.sqrt(p * (1 - p) / n + Z_95**2 / (4 * n * n)) / denominator
    return (0.0 if k == 0 else centre - half), (1.0 if k == n else centre + half)


def _binomial_cdf(k: int, n: int, p: float) -> float:
    return sum(math.comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(k + 1))


def _solve(f, target: float) -> float:
    """The p in (0, 1) where the decreasing function f(p) equals target (bisection)."""
    low, high = 0.0, 1.0
    for _ in range(60):
        middle = (low + high) / 2
        if f(middle) > target:
            low = middle
        else:
            high = middle
    return (low + high) / 2


def clopper_pearson(k: int, n: int) -> tuple[float, float]:
    low = 0.0 if k == 0 else _solve(lambda p: _binomial_cdf(k - 1, n, p), 1 - ALPHA / 2)
    high = 1.0 if k == n else _solve(lambda p: _binomial_cdf(k, n, p), ALPHA / 2)
    return low, high


METHODS = {"wald": wald, "wilson": wilson, "clopper_pearson": clopper_pearson}


def coverage_and_width(method, n: int, p: float) -> tuple[float, float]:
    """Exact probability that the interval covers p, and the expected width (in %)."""
    covered = width = 0.0
    for k in range(n + 1):
        probability = math.comb(n, k) * p**k * (1 - p) ** (n - k)
        low, high = method(k, n)
        covered += probability if low <= p <= high else 0.0
        width += probability * (high - low)
    return covered, 100 * width


def study(counts: list[int]) -> dict:
    results = {}
    for n in counts:
        for name, method in METHODS.items():
            rows = [coverage_and_width(method, n, p) for p in SHARES]
            results[f"{name}@{n}"] = {
                "coverage_by_share": {
                    str(p): round(c, 3) for p, (c, _) in zip(SHARES, rows, strict=True)
                },
                "mean_coverage": round(sum(c for c, _ in rows) / len(rows), 3),
                "min_coverage": round(min(c for c, _ in rows), 3),
                "mean_width_pct": round(sum(w for _, w in rows) / len(rows), 1),
            }
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m research.intervals",
        description="exact coverage of 95 % intervals for a differential's shares",
    )
    parser.add_argument("--counts", default="100,200", help="white cells counted, e.g. 100,200")
    args = parser.parse_args(argv)
    counts = [int(value) for value in args.counts.split(",")]
    print(json.dumps(study(counts), indent=2))
    return 0
