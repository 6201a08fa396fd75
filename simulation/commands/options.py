"""Options shared by several commands, declared once."""

from __future__ import annotations

import click

from simulation.running.parameter_draws import PARAMETERS_AND_STOCHASTIC, UNCERTAINTIES

set_option = click.option(
    "--set",
    "overrides",
    multiple=True,
    metavar="KEY=VALUE",
    help="Override a scenario value by its dotted key, e.g. --set mentoring.caseload_cap=8.",
)
days_option = click.option(
    "--days", type=click.IntRange(min=1), help="Days to simulate (default: the scenario's)."
)
population_option = click.option(
    "--population",
    type=click.IntRange(min=1),
    help="Participants in the cohort (default: the scenario's).",
)
seed_option = click.option(
    "--seed",
    type=click.IntRange(0, 2**63 - 1),
    default=0,
    show_default=True,
    help="Master seed (a whole number >= 0).",
)
workers_option = click.option(
    "--workers", type=click.IntRange(min=1), help="Parallel worker processes (default: cores)."
)
replicates_option = click.option(
    "--replicates", type=click.IntRange(min=1), default=1, show_default=True, help="Replicate runs."
)
dask_local_option = click.option(
    "--dask-local",
    type=click.IntRange(min=1),
    metavar="N",
    help="Start a Dask LocalCluster of N worker processes and run on it.",
)
dask_scheduler_option = click.option(
    "--dask-scheduler",
    metavar="ADDRESS",
    help="Run on a running Dask cluster, e.g. tcp://10.0.0.5:8786 (see docs/experiments.md).",
)

uncertainty_option = click.option(
    "--uncertainty",
    type=click.Choice(UNCERTAINTIES),
    default=PARAMETERS_AND_STOCHASTIC,
    show_default=True,
    help="What the replicates vary: a calibrated posterior parameter draw per replicate (the "
    "same for every design) plus run-to-run chance, or run-to-run chance only (model checking).",
)


def scenario_overrides(
    overrides: tuple[str, ...], days: int | None, population: int | None
) -> list[str]:
    """`--days` and `--population` are shorthands for two `--set`s."""
    extra = list(overrides)
    if days is not None:
        extra.append(f"days={days}")
    if population is not None:
        extra.append(f"population.size={population}")
    return extra
