"""Small helpers for the accounts tests: reading codes from emails, making TOTP codes."""

import re
import time

from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.core import mail

from tests.personas import PASSWORD


def last_email_to(address: str) -> mail.EmailMessage:
    messages = [m for m in mail.outbox if address in m.to]
    assert messages, f"no email to {address}"
    return messages[-1]


def code_in_last_email(address: str) -> str:
    """allauth puts its one-time code on a line of its own (like "DBDP-DQRD" or "123456")."""
    body = last_email_to(address).body
    match = re.search(r"^\s*([A-Z0-9]{4}-?[A-Z0-9]{2,4})\s*$", body, re.MULTILINE)
    assert match, body
    return match.group(1)


def link_in_last_email(address: str) -> str:
    match = re.search(r"https?://testserver(/\S+)", last_email_to(address).body)
    assert match
    return match.group(1)


def totp_code(secret: str) -> str:
    """The code an authenticator app shows now (RFC 6238, as allauth computes it)."""
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def log_in(client, email: str, password: str = PASSWORD):
    return client.post("/accounts/login/", {"login": email, "password": password})
