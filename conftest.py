"""Every suite: a process or app a test builds without naming its peers reaches none of them.

The settings' defaults point at the default ports (8080-8083), where a developer's `make run`
may be listening, and a developer's shell may export other URLs for it; tests must never talk
to it (DESIGN §3, hermetic), so these are set whatever the shell says. Tests that need peers
pass their own URLs explicitly (the e2e clusters: tests/e2e/conftest.py).
"""

from __future__ import annotations

import os

from nestegg_common.testing.services import UNREACHABLE_URL

for _peer in ("ACCOUNTS", "LEDGER", "PROJECTIONS", "GATEWAY"):
    os.environ[f"NESTEGG_{_peer}_URL"] = UNREACHABLE_URL
