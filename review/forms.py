"""Forms of the review pages: one image's verdict, and an amendment of a signed case."""

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
