"""Reference intervals of the leukocyte differential, in % of the leukocytes counted.

A lab edits its own on the lab settings page (Lab.reference_intervals); a class it has not set
uses the adult default below. Classes that are not leukocytes (erythroblasts, platelets,
"other") and classes without a default have no interval and are never flagged.
"""

from django.utils.translation import gettext_lazy as _

# Adult peripheral-blood differential, % of leukocytes: the rounded intervals of the classic
# manual 100-cell differential as tabulated in haematology textbooks, e.g. Bain BJ, Bates I,
# Laffan MA (eds), Dacie and Lewis Practical Haematology, 12th ed., Elsevier 2017, ch. 2
# ("Reference ranges and normal values"). They are generic defaults: each lab should replace
# them with the intervals it has verified for its own population and method (CLSI EP28-A3c).
DEFAULT_REFERENCE_INTERVALS: dict[str, tuple[float, float]] = {
    "neutrophil": (40.0, 75.0),
    "lymphocyte": (20.0, 45.0),
    "monocyte": (2.0, 10.0),
    "eosinophil": (1.0, 6.0),
    "basophil": (0.0, 1.0),
}

# The names the settings form shows; kept here so that accounts need not import classifier.
INTERVAL_NAMES = {
    "neutrophil": _("Neutrophils"),
    "lymphocyte": _("Lymphocytes"),
    "monocyte": _("Monocytes"),
    "eosinophil": _("Eosinophils"),
    "basophil": _("Basophils"),
}


def interval_for(label: str, overrides: dict | None) -> tuple[float, float] | None:
    """The lab's [low, high] for `label` when it set one, else the default, else None."""
    value = (overrides or {}).get(label)
    if isinstance(value, list | tuple) and len(value) == 2:
        return float(value[0]), float(value[1])
    return DEFAULT_REFERENCE_INTERVALS.get(label)


def flag(value: float | None, interval: tuple[float, float] | None) -> str:
    """ "L" below the interval, "H" above it, "" inside it or when there is nothing to compare."""
    if value is None or interval is None:
        return ""
    low, high = interval
    if value < low:
        return "L"
    if value > high:
        return "H"
    return ""
