"""Forms for the case pages: a new case, and a batch of image uploads."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Lab
from classifier.models import Case


class CaseForm(forms.ModelForm):
    """A new case; the accession number must be new in the lab."""

    class Meta:
        model = Case
        fields = ["accession", "patient_ref", "specimen", "priority", "clinical_note"]
        widgets = {"clinical_note": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, lab: Lab, **kwargs):
        super().__init__(*args, **kwargs)
        self.lab = lab

    def clean_accession(self) -> str:
        accession = self.cleaned_data["accession"].strip()
        if Case.objects.filter(lab=self.lab, accession=accession).exists():
            raise forms.ValidationError(_("A case with this accession number already exists."))
        return accession

    def save(self, commit: bool = True) -> Case:
        self.instance.lab = self.lab
        return super().save(commit=commit)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files under one name; each is validated by content later, in intake.py."""

    widget = MultipleFileInput

    def __init__(self, *args, **kwargs):
        # An empty file is refused by intake.py with the others' reasons, not by the whole form.
        kwargs.setdefault("allow_empty_file", True)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None) -> list:
        files = [item for item in (data if isinstance(data, list | tuple) else [data]) if item]
        if not files:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        return [self.to_python(item) for item in files]


class UploadForm(forms.Form):
    files = MultipleFileField(
        label=_("Cell images"),
        help_text=_(
            "JPEG, PNG, TIFF or BMP. Choose or drop several at once. A file already in this "
            "case is refused, so that no cell is counted twice."
        ),
        widget=MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/tiff,image/bmp"}),
    )
    consent_retain = forms.BooleanField(
        label=_("Retain these images for review and model improvement"),
        required=False,
        initial=False,
    )

    def __init__(self, *args, lab: Lab, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["consent_retain"].help_text = _(
            "Unticked, the images are kept only for the review, seen by the lab's pathologists "
            "and admins, and deleted when the case is signed off (or after %(unsigned)d days "
            "unsigned); ticked, they are kept for %(retention)d days."
        ) % {"unsigned": lab.unsigned_max_days, "retention": lab.retention_days}
