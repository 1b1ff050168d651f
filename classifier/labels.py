"""Human names for the model's class labels (bundle labels are short, lower-case words)."""

from django.utils.translation import gettext_lazy as _

LABEL_NAMES = {
    "basophil": _("Basophil"),
    "eosinophil": _("Eosinophil"),
    "erythroblast": _("Erythroblast"),
    "ig": _("Immature granulocyte"),
    "lymphocyte": _("Lymphocyte"),
    "monocyte": _("Monocyte"),
    "neutrophil": _("Neutrophil"),
    "platelet": _("Platelet"),
}


def label_display(label: str) -> str:
    """The translated name of a label; an unknown label (a new bundle's) is shown as it is."""
    return str(LABEL_NAMES.get(label, label))
