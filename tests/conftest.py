"""Fixtures for the dashboard's browser tests (they start only when a test asks for them)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from simulation.dashboard.browser import CHROMIUM, CHROMIUM_ARGS

USER_SCENARIO = """\
extends: {bundled}
name: small_test_design
description: A small design from the user's own folder (dashboard tests).
population:
  size: 400
"""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_up(url: str, process: subprocess.Popen, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the dashboard exited with code {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"the dashboard did not answer at {url} within {timeout:.0f} s")


@pytest.fixture(scope="session")
def dashboard_server(tmp_path_factory):
    """`recovery-sim dashboard` on a free loopback port, with a user scenario folder."""
    folder = tmp_path_factory.mktemp("user_scenarios")
    bundled = Path(__file__).resolve().parent.parent / "scenarios" / "treatment_as_usual.yaml"
    (folder / "small_test_design.yaml").write_text(
        USER_SCENARIO.format(bundled=bundled), encoding="utf-8"
    )
    port = _free_port()
    log = (tmp_path_factory.mktemp("dashboard_log") / "server.log").open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "simulation",
            "dashboard",
            "--port",
            str(port),
            "--scenarios",
            str(folder),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        _wait_until_up(url, process)
        yield {"url": url, "port": port, "process": process}
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@pytest.fixture(scope="session")
def chromium_browser():
    """Debian's chromium driven by Playwright, headless (never `playwright install`)."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is absent: install Debian's chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=list(CHROMIUM_ARGS)
        )
        yield browser
        browser.close()


@pytest.fixture
def offline_page(chromium_browser):
    """A new page that may only talk to 127.0.0.1: every other request is aborted and listed."""
    context = chromium_browser.new_context(viewport={"width": 1500, "height": 1700})
    context.blocked = []  # type: ignore[attr-defined]

    def only_loopback(route):
        url = route.request.url
        if url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:")):
            route.continue_()
        else:
            context.blocked.append(url)  # type: ignore[attr-defined]
            route.abort()

    context.route("**/*", only_loopback)
    page = context.new_page()
    page.blocked = context.blocked  # type: ignore[attr-defined]
    yield page
    context.close()
