"""`recovery-sim run SCENARIO`: run one scenario for N replicates and summarize it."""

from __future__ import annotations

import json

import click

# Mesa 3.3's `mesa.model` calls `inspect.stack()` when it is imported, at a cost of (frames on
# the stack) x (modules loaded): imported first, near the top of the stack, that takes a tenth of
# the second it takes at the bottom of the model's import chain (api -> runner -> model -> mesa).
import mesa  # noqa: F401
from rich.console import Console
from rich.table import Table

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
from simulation.report.labels import measure, number
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
    with replicate_progress(replicates, f"{scenario.name}") as advance:  # stderr: --json too
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


#: Width of the measure column (labels longer than this fold onto a second line), as compare's.
MEASURE_WIDTH = 36


def _cells(metric: str, stat: dict) -> tuple[str, str]:
    """The mean and its 95% interval, rounded and with units as compare shows them."""
    if stat.get("mean") is None:
        return "-", ""
    interval = stat.get("ci95")
    if not interval:
        return number(metric, stat["mean"]), "(1 replicate)"
    return number(metric, stat["mean"]), f"{number(metric, interval[0])} to " + number(
        metric, interval[1]
    )


def print_summary(document: dict, out: str | None) -> None:
    """The metrics in plain words and units, mean and 95% interval, fitting 80 columns.

    Args:
        document: the run's summary (`RunSummary.summary`).
        out: the folder written, if any.
    """
    console = Console()
    size = document["population"]
    console.print(
        f"{document['scenario']}: {size:,} participants, {document['days']} days, "
        f"{document['replicates']} replicate(s), seed {document['seed']}, uncertainty: "
        f"{document['uncertainty']}."
    )
    table = Table(title="mean of the replicates", title_justify="left")
    table.add_column("measure", overflow="fold", max_width=MEASURE_WIDTH)
    table.add_column("mean", justify="right", overflow="fold")
    table.add_column("95% interval", justify="right", overflow="fold")
    for name, stat in document["metrics"].items():
        if name.startswith("by_") or stat.get("mean") is None:
            continue  # breakdowns are in the JSON; a measure with no value is no row
        table.add_row(measure(name, size), *_cells(name, stat))
    console.print(table)
    if out:
        console.print(f"results written to {out}/ (daily.parquet, summary.json, scenario.yaml)")
