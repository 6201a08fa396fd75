"""How long a Step and its redraw take on the server, by population size.

    python -m simulation.dashboard.speed --people 1000 10000

Times what one click of Step costs the server for design A alone and side by side: stepping the
model(s) and recording stories, then drawing the network and the charts to PNG (what the page
receives). The browser adds its round trip (see the browser tests, which time it too).
"""

from __future__ import annotations

import argparse
import statistics
import time

from simulation.dashboard import charts, network_view
from simulation.dashboard.session import DashboardSession


def redraw(session: DashboardSession, live: charts.LiveCharts) -> None:
    """Draw what the page shows after a step: network and charts, as the page does."""
    picture, cats, edges = session.network_state(0)
    charts.png(network_view.network_figure(picture, cats, edges))
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
    live = charts.LiveCharts()
    for _ in range(warmup):
        session.step(1)
        redraw(session, live)
    times = []
    for _ in range(steps):
        t0 = time.perf_counter()
        session.step(1)
        redraw(session, live)
        times.append((time.perf_counter() - t0) * 1000)
    return {
        "people": people,
        "design": session.scenario_name + (f" vs {compare}" if compare else ""),
        "build_s": build,
        "median_ms": statistics.median(times),
        "max_ms": max(times),
    }


def main(argv: list[str] | None = None) -> None:
    """Print a table of step + redraw times."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--compare", default="treatment_as_usual")
    args = parser.parse_args(argv)
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
