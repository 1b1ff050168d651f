"""Framework hook: a member's saved interface language applies from the moment they log in."""

from allauth.account.signals import user_logged_in
from django.dispatch import receiver

from accounts.language import apply_saved_language


@receiver(user_logged_in, dispatch_uid="accounts_saved_language")
def use_saved_language(sender, request, user, response=None, **kwargs) -> None:
    apply_saved_language(request, response, user)
