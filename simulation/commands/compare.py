"""`recovery-sim compare A.yaml B.yaml ...`: designs against a baseline, with 95% intervals."""

from __future__ import annotations

import json
from pathlib import Path

import click

# Mesa 3.3's `mesa.model` calls `inspect.stack()` when it is imported, at a cost of (frames on
# the stack) x (modules loaded): imported first, near the top of the stack, that takes a tenth of
# the second it takes at the bottom of the model's import chain (api -> runner -> model -> mesa).
import mesa  # noqa: F401
from rich.console import Console
from rich.table import Table

from simulation.analysis.compare import CompareError, Comparison, check_metric, compare
from simulation.commands.options import (
    days_option,
    population_option,
    scenario_overrides,
    seed_option,
    set_option,
    uncertainty_option,
    workers_option,
)
from simulation.report.frontier import (
    HEADER,
    dominance_notes,
    frontier_caption,
    frontier_rows,
    icer_qualifier,
)
from simulation.report.labels import distinct, estimate, measure, number, ratio
from simulation.results import comparison_daily, comparison_runs
from simulation.running.parameter_draws import file_stated_keys
from simulation.running.progress import replicate_progress
from simulation.running.result_files import (
    check_writable,
    to_jsonable,
    write_json,
    write_parquet,
    write_text,
)
from simulation.scenario.files import load_scenario, scenario_yaml


@click.command("compare")
@click.argument("files", nargs=-1, required=True, metavar="SCENARIO [SCENARIO...]")
@click.option(
    "--baseline",
    help="Scenario (name or file) the others are compared with [first], or 'counterfactual': "
    "the designs' population without any program [the default for one scenario].",
)
@click.option(
    "--allow-different-populations",
    is_flag=True,
    help="Compare designs that serve different populations (the results are flagged).",
)
@click.option(
    "--replicates",
    type=click.IntRange(min=2),
    default=10,
    show_default=True,
    help="Replicate runs of every scenario.",
)
@seed_option
@days_option
@population_option
@set_option
@click.option("--no-crn", is_flag=True, help="Independent seeds per scenario (wider intervals).")
@uncertainty_option
@click.option(
    "--metric",
    "metrics",
    multiple=True,
    help="Show only these metrics in the table (repeatable); the JSON always has all.",
)
@workers_option
# Health economics (issue 14): set in every design's `economics` section.
@click.option(
    "--wtp",
    type=click.FloatRange(min=0.0),
    help="Willingness to pay per QALY, $ [100000: Neumann et al. 2014].",
)
@click.option(
    "--discount",
    type=click.FloatRange(min=0.0, max=0.2),
    help="Discount rate per year for costs and QALYs, as a fraction [0.03: Sanders et al. 2016].",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document instead of tables.")
@click.option(
    "--out", type=click.Path(file_okay=False), help="Write compare.json and run tables here."
)
@click.option(
    "--report", is_flag=True, help="Also write the planners' report (HTML + PNG) to --out."
)
def command(
    files: tuple[str, ...],
    baseline: str | None,
    allow_different_populations: bool,
    replicates: int,
    seed: int,
    days: int | None,
    population: int | None,
    overrides: tuple[str, ...],
    no_crn: bool,
    uncertainty: str,
    metrics: tuple[str, ...],
    workers: int | None,
    wtp: float | None,
    discount: float | None,
    as_json: bool,
    out: str | None,
    report: bool,
) -> None:
    """Compare SCENARIO files: differences, hazard ratios, costs and the best design.

    Every scenario runs the same replicate seeds (common random numbers) unless --no-crn, and,
    by default, replicate i of every design runs the same posterior parameter draw, so each
    interval carries parameter uncertainty too (--uncertainty stochastic: run-to-run only). The
    designs must serve the same population (see `recovery-sim diff`); one design alone is
    compared with its population without the program.
    """
    if report and not out:
        raise CompareError(
            "--report writes an HTML file and figures, so it needs a folder: add --out DIR."
        )
    extra = scenario_overrides(overrides, days, population)
    extra += [
        f"economics.{k}={v!r}"
        for k, v in (("wtp_per_qaly", wtp), ("discount_rate", discount))
        if v is not None
    ]
    scenarios = [load_scenario(f, extra) for f in files]
    for name in metrics:
        check_metric(name, scenarios[0].days)
    if out:
        check_writable(out, "--out")  # before running, not after
    total = replicates * (len(scenarios) + (len(scenarios) == 1 or baseline == "counterfactual"))
    with replicate_progress(total, "compare") as advance:  # on stderr, so --json too
        comparison = compare(
            scenarios,
            baseline=baseline,
            replicates=replicates,
            seed=seed,
            crn=not no_crn,
            workers=workers,
            files=list(files),
            on_done=advance,
            allow_different_populations=allow_different_populations,
            uncertainty=uncertainty,
            stated={
                s.name: file_stated_keys(f, extra) for s, f in zip(scenarios, files, strict=True)
            },
        )
    if out:
        write_outputs(comparison, Path(out), report)
    if as_json:
        click.echo(json.dumps(to_jsonable(comparison.document), indent=2))
    else:
        print_comparison(comparison.document, metrics, out, report)


def write_outputs(comparison: Comparison, out: Path, report: bool) -> None:
    """compare.json, runs.parquet, daily.parquet, resolved scenarios and (optionally) the report.

    Each file is written under a temporary name and renamed, and the report's HTML comes last,
    so a finished report.html means every figure beside it is finished too.
    """
    write_parquet(out / "runs.parquet", comparison_runs(comparison))
    write_parquet(out / "daily.parquet", comparison_daily(comparison))
    for scenario in comparison.scenarios:
        write_text(out / "scenarios" / f"{scenario.name}.yaml", scenario_yaml(scenario))
    write_json(out / "compare.json", comparison.document)
    if report:
        from simulation.report import write_report

        write_report(comparison, out)


#: Each design's column in the first table: a letter, explained above the table, so any number
#: of designs of any name fits 80 columns.
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
#: Width of a value column in the first table, borders included.
VALUE_WIDTH = 11
#: Width of the measure column (labels longer than this fold onto a second line).
MEASURE_WIDTH = 36


def print_comparison(document: dict, metrics: tuple[str, ...], out: str | None, report: bool):
    """Tables that fit the terminal (80 columns too) with nothing cut.

    Each design's means with metrics as rows under short headers, then one table per design of
    its differences.

    Args:
        document: the comparison document.
        metrics: the metrics to show (empty: all).
        out: the folder written, if any.
        report: whether the report was written.
    """
    console = Console()
    names = list(document["scenarios"])
    base = document["baseline"]
    size = document["population"][base]
    crn = "common random numbers" if document["crn"] else "independent seeds (--no-crn)"
    console.print(
        f"{document['replicates']} replicates, {document['days']} days, {size:,} people, "
        f"seed {document['seed']}, {crn}, uncertainty: {document['uncertainty']}."
    )
    console.print(f"95% intervals: {document['intervals']['ci95']}.", soft_wrap=False)
    check = document.get("population_check") or {}
    if check.get("confounded"):
        console.print(
            "[bold]Warning:[/] the designs serve different populations "
            f"({', '.join(check['differences'])} differ from {base}), so the differences below "
            "mix the program's effect with the population's.",
            soft_wrap=False,
        )
    letters = dict(zip(names, LETTERS, strict=False))
    for name in names:
        console.print(f"  {letters[name]} = {name}" + (" (baseline)" if name == base else ""))
    shown = distinct(list(metrics) or list(document["scenarios"][base]))
    per_table = max(1, (max(console.width, 60) - MEASURE_WIDTH - 4) // VALUE_WIDTH)
    for first in range(0, len(names), per_table):
        chunk = names[first : first + per_table]
        table = Table(title="mean of the replicates", title_justify="left")
        table.add_column("measure", overflow="fold", max_width=MEASURE_WIDTH)
        for name in chunk:
            table.add_column(letters[name], justify="right", overflow="fold")
        for metric in shown:
            row = [
                number(metric, (document["scenarios"][n].get(metric) or {}).get("mean"))
                for n in chunk
            ]
            if any(cell != "-" for cell in row):
                table.add_row(measure(metric, size), *row)
        console.print(table)
    rows = [*shown, "relapses_averted_per_100", "cost_per_relapse_averted"]
    rows += ["deaths_averted", "cost_offsets", "icer_per_qaly", "net_monetary_benefit"]
    for name in (n for n in names if n != base):
        diff = Table(
            title=f"{name} minus {base}: mean (95% interval)",
            title_justify="left",
        )
        diff.add_column("measure", overflow="fold", max_width=MEASURE_WIDTH)
        diff.add_column("difference", justify="right", overflow="fold")
        for metric in distinct(rows):
            text = estimate(metric, document["differences"][name].get(metric))
            what = measure(metric, size, difference=True)
            if metric == "icer_per_qaly":  # a dominated design's cost per QALY says so
                what += icer_qualifier(document, name)
            if text != "-":
                diff.add_row(what, text)
        for event in ("lapse", "relapse"):
            stat = document["hazard_ratios"][name][event]
            diff.add_row(f"hazard ratio, first {event}", ratio(stat))
        console.print(diff)
        note = document["cost_effectiveness"][name]["note"]
        if note:
            console.print(f"{name}: {note}")
        icer_note = document["cost_effectiveness"][name].get("icer_note")  # issue 14
        if icer_note:
            console.print(f"{name}: cost per QALY: {icer_note}")
    print_frontier(console, document, letters)
    print_decisions(console, document)
    if out:
        what = "report.html, " if report else ""
        console.print(f"written to {out}/ ({what}compare.json, runs.parquet, daily.parquet)")


def print_frontier(console: Console, document: dict, letters: dict[str, str]) -> None:
    """The efficiency frontier, designs by their letters, and why designs are off it.

    Args:
        console: where to print.
        document: the comparison document.
        letters: each design's letter, as in the first table.
    """
    rows = frontier_rows(document, letters)
    if not rows:
        return
    table = Table(title="cost-effectiveness frontier", title_justify="left")
    for k, column in enumerate(HEADER):
        table.add_column(column, justify="left" if k < 2 else "right", overflow="fold")
    for row in rows:
        table.add_row(*row)
    console.print(table)
    console.print(frontier_caption(document))
    for note in dominance_notes(document, letters):
        console.print(note)


def print_decisions(console: Console, document: dict) -> None:
    """How often each design is best for relapses, and the EVPI at the scenario's wtp.

    Args:
        console: where to print.
        document: the comparison document.
    """
    best = document.get("probability_best", {}).get("relapsed_per_100")
    if best:
        shares = ", ".join(f"{n} {100 * p:.0f}%" for n, p in best["designs"].items())
        console.print(f"fewest relapses in what share of the replicates: {shares}")
    curve = document.get("acceptability_curve") or {}
    if curve:
        at = curve["at_wtp"]
        shares = ", ".join(
            f"{n} {100 * p:.0f}%" for n, p in at["probability_cost_effective"].items()
        )
        console.print(
            f"cost-effective at ${at['wtp_per_qaly']:,.0f} per QALY: {shares}; expected value "
            f"of perfect information ${at['evpi_per_person']:,.0f} per person"
        )
