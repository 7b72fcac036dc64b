"""What every console page must pass, shared by the browser journeys.

No serious or critical accessibility violation (axe-core, vendored in the PyPI wheel
`axe-playwright-python` and injected without loosening the CSP) and, at phone width, nothing
off to the side (every action reachable without sideways scrolling).
"""

from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

BLOCKING_IMPACTS = ("serious", "critical")
NO_SIDEWAYS_SCROLL = "() => document.documentElement.scrollWidth <= window.innerWidth"
AXE = Axe()


def check_page(page: Page, name: str, *, phone: bool) -> None:
    """Assert the page as a reader settles on it passes axe and fits a phone's width."""
    # A part still loading is drawn at half opacity (app.css): checked then, its text fails
    # the contrast rule although the finished page passes. Check what a reader settles on.
    expect(page.locator('[aria-busy="true"]')).to_have_count(0)
    results = AXE.run(page)
    assert results.response["testEngine"]["name"] == "axe-core"
    assert results.response["passes"], "axe checked nothing"  # it really ran on this page
    blocking = [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']]}"
        for v in results.response["violations"]
        if v["impact"] in BLOCKING_IMPACTS
    ]
    assert blocking == [], f"{name}: {blocking}"
    if phone:
        assert page.evaluate(NO_SIDEWAYS_SCROLL), f"{name} scrolls sideways"
