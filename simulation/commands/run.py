"""`recovery-sim run SCENARIO`: run one scenario for N replicates and summarize it."""

from __future__ import annotations

import json

import click
from rich.console import Console
from rich.table import Table

from simulation.analysis.metrics import METRICS
from simulation.api import run_scenario
from simulation.commands.options import (
    days_option,
    population_option,
    replicates_option,
    scenario_overrides,
    seed_option,
    set_option,
    uncertainty_option,
    workers_option,
)
from simulation.running.parameter_draws import file_stated_keys
from simulation.running.progress import replicate_progress
from simulation.running.result_files import check_writable
from simulation.scenario.files import load_scenario


@click.command("run")
@click.argument("scenario_file", metavar="SCENARIO", type=click.Path(dir_okay=False))
@days_option
@population_option
@replicates_option
@seed_option
@set_option
@uncertainty_option
@workers_option
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document instead of a table.")
@click.option(
    "--out", type=click.Path(file_okay=False), help="Write daily.parquet and summary.json here."
)
def command(
    scenario_file: str,
    days: int | None,
    population: int | None,
    replicates: int,
    seed: int,
    overrides: tuple[str, ...],
    uncertainty: str,
    workers: int | None,
    as_json: bool,
    out: str | None,
) -> None:
    """Run SCENARIO (a YAML file) and report its metrics with 95% intervals.

    By default each replicate runs a posterior parameter draw, so the intervals are the spread
    across plausible worlds; --uncertainty stochastic runs the file's own parameters.
    """
    extra = scenario_overrides(overrides, days, population)
    scenario = load_scenario(scenario_file, extra)
    if out:
        check_writable(out, "--out")  # before running, not after
    with replicate_progress(replicates, f"{scenario.name}", enabled=not as_json) as advance:
        run = run_scenario(
            scenario,
            replicates=replicates,
            seed=seed,
            workers=workers,
            on_done=advance,
            uncertainty=uncertainty,
            stated=file_stated_keys(scenario_file, extra),
        )
    if out:
        run.save(out)
    if as_json:
        click.echo(json.dumps(run.summary, indent=2))
    else:
        print_summary(run.summary, out)


def _number(x: float) -> str:
    """Shares and scores to three decimals; counts and dollars in whole, grouped units."""
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:.3f}"


def _fmt(stat: dict) -> tuple[str, str]:
    if stat["mean"] is None:
        return "-", ""
    interval = stat["ci95"]
    return _number(stat["mean"]), (
        f"{_number(interval[0])} to {_number(interval[1])}" if interval else "(1 replicate)"
    )


def print_summary(document: dict, out: str | None) -> None:
    """A readable table of the metrics."""
    console = Console()
    table = Table(
        title=f"{document['scenario']}: {document['population']} participants, "
        f"{document['days']} days, {document['replicates']} replicate(s), seed {document['seed']}"
        f", uncertainty: {document['uncertainty']}"
    )
    table.add_column("metric")
    table.add_column("mean", justify="right")
    table.add_column("95% interval", justify="right")
    table.add_column("meaning", style="dim")
    for name, stat in document["metrics"].items():
        if name.startswith("by_"):
            continue
        table.add_row(name, *_fmt(stat), METRICS.get(name, ""))
    console.print(table)
    if out:
        console.print(f"results written to {out}/ (daily.parquet, summary.json, scenario.yaml)")
