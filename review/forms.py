"""Forms of the review pages: one image's verdict, the gallery's batch, and an amendment of a
signed case."""

from django import forms
from django.utils.translation import gettext_lazy as _

from classifier.labels import display_label
from classifier.models import CellImage


def label_choices(labels: list[str]) -> list[tuple[str, str]]:
    return [(label, display_label(label)) for label in labels]


class ReviewForm(forms.Form):
    label = forms.ChoiceField(label=_("Label"))
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, labels: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["label"].choices = label_choices(labels)


class SignOffForm(forms.Form):
    comment = forms.CharField(
        label=_("Pathologist's comment"),
        required=False,
        max_length=4000,
        help_text=_("Printed on the report, with your name and title."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class GalleryForm(forms.Form):
    """Several cells moved to one class, or one group's cells confirmed in their class.

    `label` empty means "confirm": each chosen cell keeps its current class, now reviewed.
    """

    images = forms.MultipleChoiceField(label=_("Cells"), required=False)
    label = forms.ChoiceField(label=_("Move the selected cells to"), required=False)
    confirm_group = forms.ChoiceField(required=False)

    def __init__(self, *args, groups, labels: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.groups = {group.key: group for group in groups}
        cells = [cell for group in groups for cell in group.cells]
        self.fields["images"].choices = [(str(c.public_id), c.original_name) for c in cells]
        self.fields["label"].choices = [("", _("Confirm their class")), *label_choices(labels)]
        self.fields["confirm_group"].choices = [("", ""), *[(key, key) for key in self.groups]]

    def clean(self) -> dict:
        data = super().clean()
        if not data.get("confirm_group") and not data.get("images"):
            raise forms.ValidationError(_("Select at least one cell."))
        return data

    def image_ids(self) -> list[str]:
        """The chosen cells; for a confirmed group, those of its cells not yet reviewed."""
        if key := self.cleaned_data.get("confirm_group"):
            cells = self.groups[key].cells
            return [str(cell.public_id) for cell in cells if not hasattr(cell, "review")]
        return self.cleaned_data["images"]

    def chosen_label(self) -> str | None:
        if self.cleaned_data.get("confirm_group"):
            return None
        return self.cleaned_data.get("label") or None


class AmendmentForm(forms.Form):
    """One label field per classified image (named by its public id), and the reason."""

    reason = forms.CharField(
        label=_("Reason for the amendment"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, images: list[CellImage], allowed: dict, finals: dict, **kwargs):
        super().__init__(*args, **kwargs)
        for image in images:
            self.fields[str(image.public_id)] = forms.ChoiceField(
                label=image.original_name,
                choices=label_choices(allowed[image.pk]),
                initial=finals[image.pk],
            )

    def image_fields(self):
        return [self[name] for name in self.fields if name != "reason"]

    def labels(self) -> dict[str, str]:
        return {name: value for name, value in self.cleaned_data.items() if name != "reason"}
