"""`recovery-sim optimize SCENARIO --budget-per-participant N`: the best design for a budget."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from simulation.commands.options import (
    dask_local_option,
    dask_scheduler_option,
    days_option,
    population_option,
    seed_option,
    uncertainty_option,
    workers_option,
)
from simulation.running.progress import progress_lines


@click.command("optimize")
@click.argument("scenario", metavar="SCENARIO")
@click.option(
    "--budget-per-participant",
    "budget",
    type=float,
    required=True,
    metavar="DOLLARS",
    help="The most the program may cost per participant (US dollars).",
)
@click.option(
    "--levers",
    type=click.Path(dir_okay=False),
    help="YAML file of the levers to search and their ranges (default: every program lever; "
    "see docs/design-search.md).",
)
@click.option("--trials", type=int, default=30, show_default=True, help="Designs to evaluate.")
@population_option
@days_option
@click.option(
    "--replicates",
    type=int,
    default=3,
    show_default=True,
    help="Runs of every design, on the same seeds as the baseline.",
)
@seed_option
@uncertainty_option
@workers_option
@dask_local_option
@dask_scheduler_option
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document instead of tables.")
@click.option(
    "--out",
    type=click.Path(file_okay=False),
    help="Folder for the study, optimize.json, frontier.png and best_design.yaml "
    "[results/optimize_<scenario>_<budget>]. A search stored there continues.",
)
def command(
    scenario: str,
    budget: float,
    levers: str | None,
    trials: int,
    population: int | None,
    days: int | None,
    replicates: int,
    seed: int,
    uncertainty: str,
    workers: int | None,
    dask_local: int | None,
    dask_scheduler: str | None,
    as_json: bool,
    out: str | None,
) -> None:
    """Search SCENARIO's program levers for the design that averts the most relapses.

    The search keeps within --budget-per-participant.

    Every design runs the same replicate seeds as the same population without the program
    (common random numbers) and, by default, the same posterior parameter draw per replicate
    (--uncertainty stochastic: the fitted parameters); the search (Optuna, multi-objective TPE)
    trades relapses averted per 100 participants against cost per participant. Stopped runs
    continue from --out.
    """
    from simulation.design.optimize import DesignError, optimize_design, stored_trials

    options = {"--workers": workers, "--dask-local": dask_local, "--dask-scheduler": dask_scheduler}
    given = [name for name, value in options.items() if value is not None]
    if len(given) > 1:
        raise DesignError(
            f"optimize: {' and '.join(given)} exclude each other; allowed: one of --workers, "
            "--dask-local and --dask-scheduler."
        )
    folder = Path(out or f"results/optimize_{Path(scenario).stem}_{budget:g}")
    before = stored_trials(folder) if folder.exists() else 0
    with trial_progress(trials, before, enabled=True) as advance:
        search = optimize_design(
            scenario,
            budget,
            levers=levers,
            trials=trials,
            population=population,
            days=days,
            replicates=replicates,
            seed=seed,
            workers=workers,
            dask_local=dask_local,
            dask_scheduler=dask_scheduler,
            uncertainty=uncertainty,
            out=folder,
            on_trial=advance,
        )
    if as_json:
        from simulation.design.optimize import document_json

        click.echo(document_json(search.document))
    else:
        print_search(search.document, before)


@contextmanager
def trial_progress(
    total: int, done: int, enabled: bool
) -> Iterator[Callable[[int, dict[str, Any] | None], None]]:
    """Progress on stderr counting trials, with the best design so far.

    On a terminal a bar; otherwise (a log, CI, a pipe) a line about every 10% of the trials.

    Args:
        total: trials the search ends with.
        done: trials stored before (a resumed search).
        enabled: False shows nothing.

    Yields:
        A callback taking (trials done, best design so far or None).
    """
    console = Console(stderr=True)
    if not enabled:
        yield lambda _n, _best: None
        return
    if not console.is_terminal:
        lines = progress_lines(total, "optimize", "trials", start=done)
        yield lambda n, best: lines(n, "" if best is None else _best_text(best))
        return
    columns = (
        TextColumn("optimize"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[best]}"),
    )
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("optimize", total=total, completed=done, best="")

        def advance(n: int, best: dict[str, Any] | None) -> None:
            text = "" if best is None else _best_text(best)
            progress.update(task, completed=n, best=text)

        yield advance


def _best_text(best: dict[str, Any]) -> str:
    averted = best["relapses_averted_per_100"]["mean"]
    return f"best: {averted:.1f} averted per 100 for ${best['cost_per_participant']:,.0f}"


def _interval(stat: dict[str, Any]) -> str:
    text = f"{stat['mean']:.1f}"
    if stat.get("ci95"):
        text += f" ({stat['ci95'][0]:.1f} to {stat['ci95'][1]:.1f})"
    return text


def print_search(doc: dict[str, Any], before: int) -> None:
    """The frontier as a table, the best design's levers, and where the files are."""
    console = Console()
    resumed = f", {before} of them from the stored search" if before else ""
    console.print(
        f"{doc['trials']} designs of {doc['scenario']} tried{resumed}; {doc['replicates']} "
        f"replicates of {doc['population']} participants for {doc['days']} days, seed "
        f"{doc['seed']}. Without the program: {doc['baseline']['relapsed_per_100']:.1f} "
        "relapsed per 100."
    )
    if doc.get("uncertainty"):
        console.print(f"Intervals ({doc['uncertainty']}): {doc['intervals']['ci95']}.")
    table = Table(title=f"frontier within ${doc['budget_per_participant']:,.0f} per participant")
    for column in ("trial", "cost per participant", "relapses averted per 100 (95% interval)"):
        table.add_column(column, justify="right")
    for row in doc["pareto"]:
        table.add_row(
            str(row["trial"]),
            f"${row['cost_per_participant']:,.0f}",
            _interval(row["relapses_averted_per_100"]),
        )
    console.print(table)
    best = doc["best"]
    if best is None:
        console.print(
            f"[red]No design tried costs ${doc['budget_per_participant']:,.0f} or less per "
            "participant.[/] Raise the budget, narrow the levers (--levers) or add --trials."
        )
    else:
        levers = Table(title=f"best design (trial {best['trial']}): {_best_text(best)[6:]}")
        levers.add_column("lever")
        levers.add_column("value", justify="right")
        for key, value in best["overrides"].items():
            levers.add_row(key, str(value))
        console.print(levers)
    files = doc.get("files", {})
    console.print("written: " + ", ".join(files.values()))
