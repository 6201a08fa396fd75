"""`recovery-sim calibrate`: fit the baseline and lever effects to published figures.

Prints the fit table; `--out FILE` writes the fitted values as a scenario fragment that other
scenario files can `extends:`; `--docs FILE` writes the fit table as the validation page
(docs/validation.md is produced this way, never typed).
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime

import click
import yaml
from rich.console import Console
from rich.table import Table

from simulation.analysis.compare import process_pool
from simulation.calibration.fitting import ANCHORS, DEFAULT_TARGETS, CalibrationResult, calibrate
from simulation.commands.options import seed_option, workers_option
from simulation.running.progress import replicate_progress
from simulation.running.result_files import to_jsonable, write_text
from simulation.running.runner import default_workers


@click.command("calibrate")
@click.option(
    "--targets",
    type=click.Path(dir_okay=False),
    default=str(DEFAULT_TARGETS),
    show_default="bundled targets.yaml",
    help="YAML file of published figures with bands.",
)
@click.option(
    "--trials",
    type=click.IntRange(min=0),
    default=60,
    show_default=True,
    help="Model evaluations for the baseline fit (0: only measure the current values).",
)
@click.option("--out", type=click.Path(dir_okay=False), help="Write the fitted values here (YAML).")
@click.option("--docs", type=click.Path(dir_okay=False), help="Write the fit table as Markdown.")
@click.option(
    "--population",
    type=click.IntRange(min=50),
    default=2000,
    show_default=True,
    help="Participants per calibration run.",
)
@click.option(
    "--replicates",
    type=click.IntRange(min=1),
    default=2,
    show_default=True,
    help="Runs (fixed seeds) per evaluation; the fit table uses twice as many fresh seeds.",
)
@seed_option
@workers_option
@click.option("--json", "as_json", is_flag=True, help="Print the result as one JSON document.")
def command(
    targets: str,
    trials: int,
    out: str | None,
    docs: str | None,
    population: int,
    replicates: int,
    seed: int,
    workers: int | None,
    as_json: bool,
) -> None:
    """Fit hazard parameters to baseline targets and lever effects to program_effects anchors."""
    workers = workers or default_workers()
    total = trials + len(ANCHORS) * max(6, trials // 4)
    pool = process_pool(workers) if workers > 1 else None
    try:
        with replicate_progress(total, "calibrate", enabled=not as_json) as advance:
            result = calibrate(
                targets,
                trials,
                population=population,
                seed=seed,
                fit_replicates=replicates,
                check_replicates=2 * replicates,
                workers=workers,
                executor=pool,
                on_eval=advance,
            )
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    stamp = datetime.now(UTC).isoformat(timespec="seconds")
    line = command_line(targets, trials, out, docs, population, replicates, seed)
    if out:
        write_text(out, fragment_yaml(result, stamp, line))
    if docs:
        write_text(docs, validation_markdown(result, stamp, line, out))
    if as_json:
        document = {
            "values": result.values,
            "settings": result.settings,
            "fit": [row_dict(r) for r in result.rows],
        }
        click.echo(json.dumps(to_jsonable(document), indent=2))
    else:
        print_result(result, out, docs)


def command_line(targets, trials, out, docs, population, replicates, seed) -> str:
    """The command that reproduces this result (paths as given)."""
    parts = ["recovery-sim calibrate", f"--trials {trials}", f"--population {population}"]
    parts += [f"--replicates {replicates}", f"--seed {seed}"]
    if targets != str(DEFAULT_TARGETS):
        parts.append(f"--targets {targets}")
    parts += [f"--out {out}"] if out else []
    parts += [f"--docs {docs}"] if docs else []
    return " ".join(parts)


def row_dict(row) -> dict:
    """One fit-table row as the JSON object `calibrate --json` prints."""
    return {
        "target": row.target,
        "band": list(row.band) if row.band else None,
        "point": row.point,
        "model": row.value,
        "inside": row.inside,
        "note": row.note,
    }


def _num(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:.1f}" if abs(value) >= 10 else f"{value:.3f}"


def _cells(row) -> list[str]:
    band = f"{_num(row.band[0])} to {_num(row.band[1])}" if row.band else "–"
    inside = {True: "yes", False: "NO", None: "–"}[row.inside]
    return [row.target, band, _num(row.point), _num(row.value), inside, row.note]


def _rounded(value: float) -> float:
    return float(f"{value:.4g}")


def fragment_yaml(result: CalibrationResult, stamp: str, line: str) -> str:
    """The fitted values as a scenario fragment (nested YAML) with a provenance header."""
    nested: dict = {}
    for key, value in result.values.items():
        target = nested
        *parents, last = key.split(".")
        for part in parents:
            target = target.setdefault(part, {})
        target[last] = _rounded(value)
    s = result.settings
    header = (
        f"# Calibrated parameters, written by `{line}` on {stamp}.\n"
        f"# Targets: {s['targets']}; baseline: {s['baseline']}; {s['population']} participants,\n"
        f"# {s['days']} days, fit seeds {s['fit_seeds']}, check seeds {s['check_seeds']}.\n"
        "# Use it from a scenario file with `extends: <this file>` (relative to that file).\n"
    )
    return header + yaml.safe_dump(nested, sort_keys=False)


def validation_markdown(
    result: CalibrationResult, stamp: str, line: str, out: str | None = None
) -> str:
    """The validation page: settings, the fit table and the fitted values, as Markdown."""
    s = result.settings
    inside = [r.inside for r in result.rows if r.inside is not None]
    lines = [
        "# Validation: the model against published figures",
        "",
        f"Generated by `{line}` on {stamp}. Do not edit by hand: rerun the command.",
        "",
        f"Baseline scenario {s['baseline']}, {s['population']} participants, {s['days']} days. "
        f"The fit used seeds {s['fit_seeds']} ({s['evaluations']} model evaluations); the model "
        f"values below come from fresh seeds {s['check_seeds']}, not used in fitting. "
        f"{sum(inside)} of {len(inside)} measured targets are inside their bands.",
        "",
        "## Fit table",
        "",
        "| target | band | published | model | inside | note |",
        "| --- | --- | --- | --- | --- | --- |",
        *["| " + " | ".join(_cells(r)) + " |" for r in result.rows],
        "",
        "## Fitted values",
        "",
        "| parameter | value |",
        "| --- | --- |",
        *[f"| `{k}` | {_rounded(v):g} |" for k, v in result.values.items()],
        "",
        f"Python {sys.version.split()[0]}. Sources of every target: `simulation/calibration/data/targets.yaml`.",
    ]
    if out:
        lines += ["", f"The values are in `{out}`; a scenario uses them with `extends:`."]
    return "\n".join(lines) + "\n"


def print_result(result: CalibrationResult, out: str | None, docs: str | None) -> None:
    """The fit table and the fitted values."""
    console = Console()
    table = Table(title="fit table (model values on fresh seeds)")
    for column in ("target", "band", "published", "model", "inside", "note"):
        table.add_column(column, overflow="fold")
    for row in result.rows:
        table.add_row(*_cells(row))
    console.print(table)
    values = Table(title="fitted values")
    values.add_column("parameter")
    values.add_column("value", justify="right")
    for key, value in result.values.items():
        values.add_row(key, f"{_rounded(value):g}")
    console.print(values)
    for path, what in ((out, "fitted values"), (docs, "validation page")):
        if path:
            console.print(f"{what} written to {path}")
