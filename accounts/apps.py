from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    # allauth's account app is also "Accounts" (email addresses): the Django admin's home page
    # would show two sections of that name.
    verbose_name = _("Labs and people")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from accounts import signals  # noqa: F401  (connects the log-in language receiver)
