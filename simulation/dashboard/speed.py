"""How long a Step and its redraw take, on the server and in a real browser.

    python -m simulation.dashboard.speed --people 1000 10000
    python -m simulation.dashboard.speed --browser            # 20 steps at 1,000, 10 at 10,000

The first form times what one click of Step costs the server for design A alone and side by
side: stepping the model(s) and recording stories, then drawing the network and the charts to
PNG (what the page receives).

`--browser` starts `recovery-sim dashboard` on a free loopback port and drives Debian's chromium
(`/usr/bin/chromium`, headless, through Playwright; every request not to 127.0.0.1 is refused, as
in the browser tests). Each Step is clicked from inside the page and timed with the page's own
clock, from the click to (a) the new charts in the page (their image source changed, with the
network picture and the day) and (b) those images decoded and the next frame painted. Steps
start at day 0, so the first days' growing axes are included. Median and 90th percentile.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

import numpy as np

from simulation.dashboard import charts, network_view
from simulation.dashboard.browser import CHROMIUM, CHROMIUM_ARGS
from simulation.dashboard.session import DashboardSession


def redraw(
    session: DashboardSession, live: charts.LiveCharts, network: network_view.LiveNetwork
) -> None:
    """Draw what the page shows after a step: network and charts, as the page does."""
    picture, cats, edges = session.network_state(0)
    network.render(picture, cats, edges)
    network_view.legend_html(cats)
    live.render(session.run_views())


def time_steps(people: int, compare: str | None, steps: int = 10, warmup: int = 20) -> dict:
    """Median and worst milliseconds of step + redraw, after `warmup` days."""
    started = time.perf_counter()
    session = DashboardSession()
    if not session.set_value("population.size", people):
        raise SystemExit(session.error)
    if compare and not session.select_compare(compare):
        raise SystemExit(session.error)
    build = time.perf_counter() - started
    live, network = charts.LiveCharts(), network_view.LiveNetwork()
    for _ in range(warmup):
        session.step(1)
        redraw(session, live, network)
    times = []
    for _ in range(steps):
        t0 = time.perf_counter()
        session.step(1)
        redraw(session, live, network)
        times.append((time.perf_counter() - t0) * 1000)
    return {
        "people": people,
        "design": session.scenario_name + (f" vs {compare}" if compare else ""),
        "build_s": build,
        "median_ms": statistics.median(times),
        "max_ms": max(times),
    }


POPULATION_FIELD = "population: size (1 to 2,000,000 people)"

#: Runs in the page: click Step, resolve with the page's timestamps (ms) once the charts, the
#: network picture, the story (if shown) and the day have changed, the images are decoded and
#: a frame is painted.
_CLICK_AND_WAIT = """
(day) => new Promise((resolve, reject) => {
  const images = () => [...document.querySelectorAll('.rs-charts img, .rs-network img, .rs-story img')];
  const status = () => document.querySelector('.rs-status');
  const before = images().map(img => img.src);
  const button = [...document.querySelectorAll('button')]
    .find(b => b.innerText.trim().toLowerCase() === 'step');
  const t = {};
  const done = () => images().every((img, i) => img.src !== before[i])
    && status().innerText.startsWith(`Day ${day} of`);
  const check = () => {
    if (t.shown || !done()) return;
    t.shown = performance.now();
    observer.disconnect();
    Promise.all(images().map(img => img.decode())).then(() => requestAnimationFrame(
      () => requestAnimationFrame(() => { t.painted = performance.now(); resolve(t); })));
  };
  const observer = new MutationObserver(check);
  observer.observe(document.body, {subtree: true, childList: true, attributes: true,
                                   characterData: true});
  setTimeout(() => reject(new Error(`day ${day} did not show within 30 s`)), 30000);
  t.click = performance.now();
  button.click();
})
"""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _serve(log) -> tuple[subprocess.Popen, str]:
    """`recovery-sim dashboard` on a free loopback port; waits until it answers."""
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "simulation", "dashboard", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the dashboard exited with code {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return process, url
        except OSError:
            time.sleep(0.3)
    process.terminate()
    raise SystemExit(f"the dashboard did not answer at {url} within 60 s")


def _choose(page, label: str, option: str) -> None:
    page.locator(".v-select", has=page.get_by_text(label, exact=True)).first.click()
    page.locator(".v-menu__content:visible .v-list-item", has_text=option).first.click()


def browser_steps(
    page, url: str, people: int, steps: int, compare: str | None, story: bool = False
) -> dict:
    """Open a fresh page at `people` participants and time `steps` clicks of Step."""
    page.goto(url)
    page.wait_for_selector("text=Day 0 of", timeout=60_000)
    page.wait_for_selector(".rs-charts img", timeout=60_000)
    page.get_by_text("Any other parameter (design A, exact values)").click()
    _choose(page, "Parameter", "population.size")
    field = page.get_by_label(POPULATION_FIELD)
    field.fill(str(people))
    field.press("Enter")
    page.wait_for_selector(f"text={people:,} participants", timeout=120_000)
    design = page.locator(".rs-status").inner_text().split(" · ")[1]
    if compare:
        _choose(page, "Side by side with (design B)", compare)
        page.wait_for_selector(f"text=B: {compare}", timeout=120_000)
        design = page.locator(".rs-status").inner_text().split(" · ")[1]
    if story:
        _choose(page, "Person (from the people drawn in the network)", "participant")
        page.wait_for_selector(".rs-story img", timeout=60_000)
        design += " + a person's story"
    page.wait_for_timeout(300)  # let the page settle after the rebuild
    shown, painted = [], []
    for day in range(1, steps + 1):
        t = page.evaluate(_CLICK_AND_WAIT, day)
        shown.append(t["shown"] - t["click"])
        painted.append(t["painted"] - t["click"])
        page.wait_for_timeout(100)  # a person does not click faster than this
    return {"people": people, "design": design, "shown": shown, "painted": painted}


def browser_table(runs: list[tuple[int, int]], compare: str | None, story: bool = False) -> None:
    """Print click-to-redraw times measured in chromium for each (people, steps)."""
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        raise SystemExit(f"{CHROMIUM} is absent (apt-get install chromium)")
    print(
        f"participants  steps  {'design':<52}  click -> new charts ms   click -> painted ms\n"
        f"{'':<73}median    p90    max   median    p90    max"
    )
    with tempfile.TemporaryFile("w+") as log:
        process, url = _serve(log)
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=str(CHROMIUM), headless=True, args=list(CHROMIUM_ARGS)
                )
                context = browser.new_context(viewport={"width": 1500, "height": 1700})
                blocked: list[str] = []

                def only_loopback(route):
                    if route.request.url.startswith(
                        ("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:")
                    ):
                        route.continue_()
                    else:
                        blocked.append(route.request.url)
                        route.abort()

                context.route("**/*", only_loopback)
                for people, steps in runs:
                    for design_b in (None, compare) if compare else (None,):
                        page = context.new_page()
                        r = browser_steps(page, url, people, steps, design_b, story)
                        page.close()
                        row = [
                            f"{f(r[k]):>6.0f}"
                            for k in ("shown", "painted")
                            for f in (statistics.median, _p90, max)
                        ]
                        shown, painted = " ".join(row[:3]), " ".join(row[3:])
                        print(f"{people:>12,}  {steps:>5}  {r['design']:<52}  {shown}   {painted}")
                browser.close()
            if blocked:
                print(f"note: the page asked for {len(blocked)} non-local URLs (refused)")
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


def _p90(values: list[float]) -> float:
    return float(np.percentile(values, 90))


def main(argv: list[str] | None = None) -> None:
    """Print a table of step + redraw times (server side, or clicked in a browser)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--compare", default="treatment_as_usual")
    parser.add_argument(
        "--browser", action="store_true", help="time Step clicks in headless chromium"
    )
    parser.add_argument(
        "--steps",
        type=int,
        nargs="+",
        default=None,
        help="clicks per population with --browser (default 20 at the first, 10 after)",
    )
    parser.add_argument(
        "--no-compare", action="store_true", help="with --browser: design A only, not A vs B"
    )
    parser.add_argument(
        "--story", action="store_true", help="with --browser: show a person's story while stepping"
    )
    args = parser.parse_args(argv)
    if args.browser:
        steps = args.steps or [20] + [10] * (len(args.people) - 1)
        steps = (steps + steps[-1:] * len(args.people))[: len(args.people)]
        compare = None if args.no_compare else args.compare
        browser_table(list(zip(args.people, steps, strict=True)), compare, args.story)
        return
    print(
        "participants  design                                          build s  step+redraw ms (median / max)"
    )
    for people in args.people:
        for compare in (None, args.compare):
            r = time_steps(people, compare)
            print(
                f"{r['people']:>12,}  {r['design']:<46}  {r['build_s']:>6.1f}  "
                f"{r['median_ms']:>6.0f} / {r['max_ms']:.0f}"
            )


if __name__ == "__main__":
    main()
