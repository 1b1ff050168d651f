"""Forms of the accounts app: sign-up with an optional lab to join, and the lab admin's forms."""

from datetime import timedelta

from allauth.account.forms import LoginForm as AllauthLoginForm
from allauth.account.forms import SignupForm as AllauthSignupForm
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django import forms
from django.core.exceptions import ValidationError
from django.template.defaultfilters import floatformat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.join_requests import remember_lab_to_join
from accounts.models import Invitation, JoinRequest, Lab, Membership, User
from accounts.rate_limits import seconds_to_wait, wait_phrase
from accounts.reference_intervals import INTERVAL_NAMES


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


class LoginForm(AllauthLoginForm):
    """allauth's log-in (ACCOUNT_FORMS["login"]), with a plain message when the right password
    of an unverified account arrives while the code sent at sign-up is still cooling down.

    allauth refuses that log-in with "Too many failed login attempts", although nothing failed:
    it must send a new verification code and may send one only every few seconds
    (the "confirm_email" rate limit). Wrong passwords get the adapter's message instead.
    """

    def clean(self):
        try:
            return super().clean()
        except ValidationError as error:
            if error.code != "too_many_login_attempts":
                raise
            email = (self.cleaned_data.get("login") or "").lower()
            _per, seconds = seconds_to_wait(self.request, "confirm_email", email) or ("key", 10)
            raise ValidationError(
                _(
                    "A verification code was sent to this address a moment ago. Wait "
                    "%(wait)s, then log in again to receive a new one."
                )
                % {"wait": wait_phrase(seconds)},
                code="verification_code_just_sent",
            ) from None


class SignupForm(AllauthSignupForm):
    """allauth's sign-up, plus an optional request to join a lab (ACCOUNT_FORMS["signup"]).

    The form answers the same whether or not a lab has the name given, so that it cannot be used
    to find out which labs use the portal: a request is sent only when one does, and only once
    the new address is verified (accounts.join_requests).
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
            remember_lab_to_join(request, lab)


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


AUDITED_LAB_SETTINGS = (
    "name",
    "require_mfa",
    "retention_days",
    "unsigned_max_days",
    "report_language",
    "differential_target",
    "platelet_factor",
)


# The platelet estimate's factor (Lab.platelet_factor), per µL: accepted range.
PLATELET_FACTOR_MIN = 1_000
PLATELET_FACTOR_MAX = 100_000


def changed_settings(form: forms.ModelForm) -> dict:
    """{field: {"old": ..., "new": ...}} for each audited Lab field a valid form changes."""
    return {
        name: {"old": form.initial.get(name), "new": form.cleaned_data.get(name)}
        for name in form.changed_data
        if name in AUDITED_LAB_SETTINGS
    }


def _percent_field(label: str) -> forms.DecimalField:
    # Not required: a lab that leaves an interval out keeps what it had (or the default).
    return forms.DecimalField(
        label=label, min_value=0, max_value=100, decimal_places=1, max_digits=4, required=False
    )


class LabSettingsForm(forms.ModelForm):
    """The lab's security and retention settings and its reference intervals.

    Each interval is two fields, `interval_<label>_low` and `interval_<label>_high`, stored
    together in Lab.reference_intervals.
    """

    class Meta:
        model = Lab
        fields = [
            "require_mfa",
            "retention_days",
            "unsigned_max_days",
            "model_version",
            "report_language",
            "differential_target",
            "platelet_factor",
        ]

    def __init__(self, *args, admin, **kwargs) -> None:
        self.admin = admin
        super().__init__(*args, **kwargs)
        versions = self.fields["model_version"]
        # ModelVersion is reached through the field, so that accounts need not import classifier.
        active = versions.queryset.filter(is_active=True).first()
        versions.label = _("Model version")
        versions.empty_label = (
            _("The portal's active version (%(name)s)") % {"name": active.name}
            if active
            else _("The portal's active version")
        )
        # Said under its checkbox, not after the last setting, where it read as about that one.
        self.fields["require_mfa"].help_text = _(
            "When two-factor authentication is required, members without an authenticator app "
            "are asked to set one up before they can continue."
        )
        versions.help_text = _(
            "The model that classifies this lab's new images. Images already classified keep "
            "the version that classified them."
        )
        for label, name in INTERVAL_NAMES.items():
            low, high = self.instance.reference_interval(label)
            self.fields[f"interval_{label}_low"] = _percent_field(
                _("%(cells)s from") % {"cells": name}
            )
            self.fields[f"interval_{label}_high"] = _percent_field(
                _("%(cells)s to") % {"cells": name}
            )
            self.initial.setdefault(f"interval_{label}_low", low)
            self.initial.setdefault(f"interval_{label}_high", high)

    def interval_rows(self) -> list[tuple[str, forms.BoundField, forms.BoundField]]:
        """(cell name, low field, high field) per class, for the settings page's table."""
        return [
            (name, self[f"interval_{label}_low"], self[f"interval_{label}_high"])
            for label, name in INTERVAL_NAMES.items()
        ]

    def other_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if not name.startswith("interval_")]

    def clean(self) -> dict:
        cleaned = super().clean()
        for label, name in INTERVAL_NAMES.items():
            low = cleaned.get(f"interval_{label}_low")
            high = cleaned.get(f"interval_{label}_high")
            if low is not None and high is not None and low > high:
                self.add_error(
                    f"interval_{label}_high",
                    _("%(cells)s: the upper limit must not be below the lower one.")
                    % {"cells": name},
                )
        return cleaned

    def save(self, commit: bool = True) -> Lab:
        intervals = dict(self.instance.reference_intervals or {})
        for label in INTERVAL_NAMES:
            low = self.cleaned_data.get(f"interval_{label}_low")
            high = self.cleaned_data.get(f"interval_{label}_high")
            if low is not None and high is not None:
                intervals[label] = [float(low), float(high)]
        self.instance.reference_intervals = intervals
        return super().save(commit=commit)

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

    def clean_platelet_factor(self) -> int:
        factor = self.cleaned_data["platelet_factor"]
        # Published factors per oil-immersion field lie around 10,000-25,000 per µL; a value far
        # outside is a typing slip (a missing or an extra zero), not a microscope.
        if not PLATELET_FACTOR_MIN <= factor <= PLATELET_FACTOR_MAX:
            raise forms.ValidationError(
                _("Enter a factor from %(low)s to %(high)s platelets per µL.")
                % {
                    "low": floatformat(PLATELET_FACTOR_MIN, "0g"),
                    "high": floatformat(PLATELET_FACTOR_MAX, "0g"),
                }
            )
        return factor

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


class ProfileForm(forms.ModelForm):
    """A person's own name and title, as reports print them."""

    class Meta:
        model = User
        fields = ["full_name", "professional_title"]
