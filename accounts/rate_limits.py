"""How long someone must wait before allauth's rate limits let them try again.

allauth refuses with one message, "Too many failed login attempts", whatever the reason; the
log-in form and the adapter use these helpers to say which limit was reached and for how long.
Failed log-ins are limited per account (the `key` rate) and, far more loosely, per address (the
`ip` rate): a lab's computers often share one public address.
"""

import math
import time

from allauth.core.internal import ratelimit
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.translation import ngettext

APP = "allauth.account"


def seconds_to_wait(request: HttpRequest, action: str, key: str) -> tuple[str, int] | None:
    """("key" or "ip", seconds) for the first of `action`'s rates that is exhausted, else None."""
    for rate in ratelimit.get_rates(app=APP, action=action):
        cache_key = ratelimit.get_cache_key(request, app=APP, action=action, rate=rate, key=key)
        # allauth keeps the attempts' times newest first; the oldest one frees a place.
        history = [
            moment for moment in cache.get(cache_key, []) if moment > time.time() - rate.duration
        ]
        if len(history) >= rate.amount:
            return rate.per, max(1, math.ceil(history[-1] + rate.duration - time.time()))
    return None


def wait_phrase(seconds: int) -> str:
    """ "30 seconds" or "5 minutes" (rounded up)."""
    if seconds < 60:
        return ngettext("%(count)d second", "%(count)d seconds", seconds) % {"count": seconds}
    minutes = math.ceil(seconds / 60)
    return ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes}
