"""What every browser journey checks of a page's layout: at a desktop and a 390 px phone width
the page itself is no wider than the window (wide tables scroll inside their own box), and a
screenshot of each width is kept in SCREENSHOT_DIR when it is set."""

import os
from collections.abc import Callable
from pathlib import Path

WIDTHS = {"1280": {"width": 1280, "height": 900}, "390": {"width": 390, "height": 844}}
PAGE_OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"


def check_widths(page, name: str, also: Callable[[object, str], None] | None = None) -> None:
    """Check `page` (screenshots named `name`-WIDTH.png) at each width, with `also(page, width)`
    for any further check; leaves the page at the desktop width."""
    for width, viewport in WIDTHS.items():
        page.set_viewport_size(viewport)
        assert page.evaluate(PAGE_OVERFLOW) <= 1, f"{name} ({width} px) is too wide"
        if also is not None:
            also(page, width)
        if folder := os.environ.get("SCREENSHOT_DIR"):
            Path(folder).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=f"{folder}/{name}-{width}.png", full_page=True)
    page.set_viewport_size(WIDTHS["1280"])
