"""The portal's emails: named after the site and its real host, in the recipient's language.

allauth's emails (codes, password reset) and ours all go through
accounts.adapters.AccountAdapter.send_mail, which names the site with SITE_NAME and the host the
request came to: the django.contrib.sites row keeps whatever host the first installation had
("localhost"), while every link in the email points to the real one.

An email to someone other than the person at the keyboard (an invitation, a join request, a
decision) is written in the recipient's language: a User's `language` where the portal keeps
one, else the site's default (LANGUAGE_CODE), never the sender's browser language.
"""

from dataclasses import dataclass

from allauth.account.adapter import get_adapter
from django.conf import settings
from django.contrib.sites.models import Site
from django.http import HttpRequest
from django.utils import translation


@dataclass(frozen=True)
class EmailSite:
    """What allauth's templates read as `current_site`."""

    name: str
    domain: str


def email_site(request: HttpRequest | None) -> EmailSite:
    domain = request.get_host() if request is not None else Site.objects.get_current().domain
    return EmailSite(name=settings.SITE_NAME, domain=domain)


def recipient_language(user=None) -> str:
    return getattr(user, "language", "") or settings.LANGUAGE_CODE


def send_to(request: HttpRequest, template_prefix: str, email: str, context: dict, user=None):
    """Email `email` (the account `user`, when known) in their language."""
    with translation.override(recipient_language(user)):
        get_adapter(request).send_mail(template_prefix, email, context)
