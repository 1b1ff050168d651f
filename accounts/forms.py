"""Forms of the accounts app: sign-up with an optional lab to join, and the lab admin's forms."""

from datetime import timedelta

from allauth.account.forms import SignupForm as AllauthSignupForm
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.join_requests import ask_to_join
from accounts.models import Invitation, JoinRequest, Lab, Membership


def find_lab(name: str) -> Lab | None:
    return Lab.objects.filter(name__iexact=name.strip()).first()


class LabNameField(forms.CharField):
    """The exact name of an existing lab (case does not matter)."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("max_length", 200)
        kwargs.setdefault("label", _("Lab to join"))
        kwargs.setdefault(
            "help_text", _("The exact name of your laboratory, as your lab admin spells it.")
        )
        super().__init__(**kwargs)

    def clean(self, value):
        name = super().clean(value)
        if not name:
            return None
        lab = find_lab(name)
        if lab is None:
            raise forms.ValidationError(
                _("There is no lab with this name. Check the exact name with your lab admin.")
            )
        return lab


class SignupForm(AllauthSignupForm):
    """allauth's sign-up, plus an optional request to join a lab (ACCOUNT_FORMS["signup"]).

    The form answers the same whether or not a lab has the name given, so that it cannot be used
    to find out which labs use the portal: a request is sent only when one does.
    """

    lab = forms.CharField(
        label=_("Lab to join"),
        max_length=200,
        required=False,
        help_text=_(
            "The exact name of your laboratory, as your lab admin spells it. If it matches, "
            "the lab admin is asked to let you in."
        ),
    )
    field_order = ["email", "password1", "password2", "lab"]

    def custom_signup(self, request, user) -> None:
        super().custom_signup(request, user)
        if lab := find_lab(self.cleaned_data.get("lab") or ""):
            ask_to_join(request, user, lab)


class JoinRequestForm(forms.Form):
    lab = LabNameField()

    def __init__(self, *args, user, **kwargs) -> None:
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_lab(self) -> Lab:
        lab = self.cleaned_data["lab"]
        pending = JoinRequest.objects.filter(
            user=self.user, lab=lab, status=JoinRequest.Status.PENDING
        )
        if pending.exists():
            raise forms.ValidationError(_("You have already asked to join this lab."))
        return lab


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Membership.Role.choices)


class InvitationForm(forms.ModelForm):
    class Meta:
        model = Invitation
        fields = ["email", "role"]

    def __init__(self, *args, lab: Lab, **kwargs) -> None:
        self.lab = lab
        super().__init__(*args, **kwargs)

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if self.lab.memberships.filter(user__email__iexact=email).exists():
            raise forms.ValidationError(_("This person is already a member of your lab."))
        return email


AUDITED_LAB_SETTINGS = ("name", "require_mfa", "retention_days", "unsigned_max_days")


def changed_settings(form: forms.ModelForm) -> dict:
    """{field: {"old": ..., "new": ...}} for each audited Lab field a valid form changes."""
    return {
        name: {"old": form.initial.get(name), "new": form.cleaned_data.get(name)}
        for name in form.changed_data
        if name in AUDITED_LAB_SETTINGS
    }


class LabSettingsForm(forms.ModelForm):
    class Meta:
        model = Lab
        fields = ["require_mfa", "retention_days", "unsigned_max_days"]

    def __init__(self, *args, admin, **kwargs) -> None:
        self.admin = admin
        super().__init__(*args, **kwargs)

    def clean_require_mfa(self) -> bool:
        require_mfa = self.cleaned_data["require_mfa"]
        if require_mfa and not is_mfa_enabled(self.admin, [Authenticator.Type.TOTP]):
            raise forms.ValidationError(
                _("Activate two-factor authentication on your own account first.")
            )
        return require_mfa

    def clean_retention_days(self) -> int:
        days = self.cleaned_data["retention_days"]
        if days < 1:
            raise forms.ValidationError(_("Keep images for at least one day."))
        return days

    def clean_unsigned_max_days(self) -> int:
        days = self.cleaned_data["unsigned_max_days"]
        if days < 1:
            raise forms.ValidationError(_("Keep images for at least one day."))
        return days


class ApiTokenForm(forms.Form):
    EXPIRY_CHOICES = [
        ("30", _("30 days")),
        ("90", _("90 days")),
        ("365", _("1 year")),
        ("", _("Never (until revoked or the password changes)")),
    ]

    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What the token is for, e.g. the analyser or script that uses it."),
    )
    expires_in_days = forms.ChoiceField(
        label=_("Expires after"), choices=EXPIRY_CHOICES, initial="90", required=False
    )

    def expires_at(self):
        days = self.cleaned_data.get("expires_in_days")
        return timezone.now() + timedelta(days=int(days)) if days else None
