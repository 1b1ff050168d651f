"""axe-core in the browser tests: the engine's JavaScript comes from the axe-playwright-python
package (requirements.txt), read from disk, so a run needs no network.

`assert_accessible(page)` runs every rule axe enables by default (WCAG 2 A/AA and its best
practices) on the page as it is, and fails with each violation's rule and elements.
"""

import os
from functools import cache
from pathlib import Path


@cache
def axe_source() -> str:
    import axe_playwright_python

    return (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text()


def violations(page) -> list[dict]:
    # evaluate() runs in the page without a <script> element, so a Content-Security-Policy
    # that forbids inline scripts does not stop it.
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(f"() => {{ {axe_source()}\n }}")
    return page.evaluate(
        """async () => {
            const result = await window.axe.run(document);
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => n.target.join(" ") + ": " + n.failureSummary),
            }));
        }"""
    )


def assert_accessible(page) -> None:
    if os.environ.get("AXE_COLLECT"):
        with open(os.environ["AXE_COLLECT"], "a") as out:
            for v in violations(page):
                out.write(f"{page.url} {v}\n")
        return
    found = violations(page)
    assert not found, f"axe-core violations on {page.url}:\n" + "\n".join(
        f"- {v['id']} ({v['impact']}): {v['help']}\n    " + "\n    ".join(v["nodes"][:5])
        for v in found
    )
