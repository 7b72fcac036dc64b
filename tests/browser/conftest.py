"""Drive the web console in headless Debian Chromium (Playwright), every process started for real.

No browser is ever downloaded: Chromium is Debian's (`apt-get install -y chromium`) at
/usr/bin/chromium, or wherever NESTEGG_CHROMIUM points. Without it these tests *fail* with a
message saying so, unless NESTEGG_SKIP_BROWSER=1 is set, which skips them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# The e2e suite's cluster (every process on free ports, fresh databases), reused as is.
from ..e2e.conftest import Cluster, cluster, http

__all__ = ["Cluster", "cluster", "http"]

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "console"
DEFAULT_CHROMIUM = "/usr/bin/chromium"
SKIP_VARIABLE = "NESTEGG_SKIP_BROWSER"
# What the machine's probe used: no background traffic to Google, no GPU, no sandbox (root).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def find_chromium() -> str:
    """Return the Chromium to drive, or fail the test run saying how to get one."""
    configured = os.environ.get("NESTEGG_CHROMIUM")
    candidate = configured or DEFAULT_CHROMIUM
    if Path(candidate).is_file() and os.access(candidate, os.X_OK):
        return candidate
    where = f"NESTEGG_CHROMIUM={configured}" if configured else DEFAULT_CHROMIUM
    pytest.fail(
        f"No Chromium found at {where}: the browser tests need Debian's Chromium. Install it "
        "(`apt-get install -y chromium`), point NESTEGG_CHROMIUM at a Chromium binary, or set "
        f"{SKIP_VARIABLE}=1 to skip the browser tests.",
        pytrace=False,
    )


@pytest.fixture(scope="session")
def chromium_executable() -> str:
    if os.environ.get(SKIP_VARIABLE) == "1":
        pytest.skip(f"{SKIP_VARIABLE}=1: browser tests skipped")
    return find_chromium()


@pytest.fixture(scope="session", autouse=True)
def _browser_available(chromium_executable: str) -> None:
    """Check for Chromium before anything else (the cluster) starts."""


# Module scope: while Playwright's sync API is active it leaves an asyncio loop marked running in
# this thread, which would break every later test that calls asyncio.run().
@pytest.fixture(scope="module")
def browser(chromium_executable: str) -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - requirements-dev.txt installs it
        pytest.fail("Playwright for Python is missing: `make install` installs it.", pytrace=False)
    with sync_playwright() as playwright:
        # A new empty profile each launch (Playwright's default); headless.
        launched = playwright.chromium.launch(
            executable_path=chromium_executable, args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
