"""Debian's chromium and the flags it needs on this kind of machine (see TOOLCHAIN.md).

Kept apart from the dashboard code so the browser tests can use it without importing Solara.
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
