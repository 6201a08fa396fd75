"""`recovery-sim discover RESULTS_DIR --metric M --above X`: where a design stops working (PRIM)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table


@click.command("discover")
@click.argument("results", metavar="RESULTS_DIR", type=click.Path(file_okay=False))
@click.option("--metric", required=True, help="The outcome, e.g. relapse_rate_365.")
@click.option("--above", type=float, help="Cases of interest: design points above this value.")
@click.option("--below", type=float, help="... or below this value (give one of the two).")
@click.option(
    "--min-coverage",
    type=float,
    default=0.5,
    show_default=True,
    help="Report each box at its densest step holding at least this share of the cases.",
)
@click.option("--max-boxes", type=int, default=3, show_default=True, help="Boxes to find.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document instead of tables.")
@click.option(
    "--out",
    type=click.Path(file_okay=False),
    help="Folder for discover.json and peeling.png [RESULTS_DIR/discover].",
)
def command(
    results: str,
    metric: str,
    above: float | None,
    below: float | None,
    min_coverage: float,
    max_boxes: int,
    as_json: bool,
    out: str | None,
) -> None:
    """Scenario discovery over an experiment's RESULTS_DIR.

    Finds the ranges of its factors in which the mean of --metric per design point is --above
    (or --below) a threshold.

    PRIM (the `prim` package) peels the factor space to boxes dense in such points; each box has
    its limits, its coverage (share of all such points inside) and density (share of the box
    that are such points).
    """
    from simulation.design.discover import discover

    found = discover(
        results,
        metric,
        above=above,
        below=below,
        min_coverage=min_coverage,
        max_boxes=max_boxes,
        out=out or Path(results) / "discover",
    )
    if as_json:
        click.echo(json.dumps(found.document | {"files": found.files}, indent=2))
    else:
        print_boxes(found.document, found.files)


def _limit(limit: dict[str, Any]) -> str:
    if "levels" in limit:
        return ", ".join(limit["levels"])
    return f"{limit['min']:.4g} to {limit['max']:.4g}"


def print_boxes(doc: dict[str, Any], files: dict[str, str]) -> None:
    """One table per box: its factor limits, then its coverage and density."""
    console = Console()
    side = "above" if "above" in doc else "below"
    console.print(
        f"{doc['cases_of_interest']} of {doc['points']} design points have mean {doc['metric']} "
        f"{side} {doc[side]:g}."
    )
    if not doc["boxes"]:
        console.print("PRIM found no box denser in them than the rest of the factor space.")
    for number, box in enumerate(doc["boxes"], 1):
        table = Table(
            title=f"box {number}: coverage {box['coverage']:.2f}, density {box['density']:.2f} "
            f"({box['points']} points)"
        )
        table.add_column("factor")
        table.add_column("range", justify="right")
        table.add_column("quasi-p", justify="right")
        for name, limit in box["limits"].items():
            table.add_row(name, _limit(limit), f"{box['quasi_p'][name]:.3g}")
        console.print(table)
    console.print("written: " + ", ".join(files.values()))
