"""Human names for the model's class labels (bundle labels are short, lower-case words).

OTHER_LABEL is not a model class: it is the label a reviewer gives to what is none of them
(a smudge cell, an artefact). It is defined here, beside the classes' names, because the
differential and every report count and name it like a class.
"""

from django.utils.translation import gettext_lazy as _

OTHER_LABEL = "other"

# Classes a cell the cell finder took for a white cell cannot be: such an answer contradicts the
# finder, so the cell is flagged for review (unidentified) whatever the confidence. An
# erythroblast (a nucleated red cell) can pass for a white cell, so it is not here.
NOT_A_FOUND_WHITE_CELL = frozenset({"platelet"})

LABEL_NAMES = {
    "basophil": _("Basophil"),
    "eosinophil": _("Eosinophil"),
    "erythroblast": _("Erythroblast"),
    "ig": _("Immature granulocyte"),
    "lymphocyte": _("Lymphocyte"),
    "monocyte": _("Monocyte"),
    "neutrophil": _("Neutrophil"),
    "platelet": _("Platelet"),
    OTHER_LABEL: _("Other / artefact"),
}


def display_label(label: str | None) -> str:
    """The translated name of a label; an unknown label (a new bundle's) is shown as it is.

    No label (an image without prediction or review) is shown as an empty string.
    """
    return str(LABEL_NAMES.get(label, label)) if label else ""
