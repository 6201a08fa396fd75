"""Debian's chromium and the flags it needs on an offline machine where tests run as root.

Playwright drives Debian's chromium (`apt-get install chromium`; `.ci/run` installs it), never
a browser of Playwright's own (`playwright install` downloads one, which fails offline). Kept apart from the dashboard code so the browser tests can use it without importing Solara.
"""

from __future__ import annotations

from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
#: Headless and sandbox-free as root; no background traffic to hosts this network cannot reach.
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
