"""`recovery-sim calibrate`: build the posterior ensemble, check it, or fit one point.

- `recovery-sim calibrate` runs (or resumes) the design of model runs, fits the emulator, runs
  ABC-SMC on it and writes the ensemble (`simulation/calibration/data/posterior.parquet` and its
  provenance, or `--ensemble-out`). Progress is shown; a killed build resumes where it stopped.
- `recovery-sim calibrate --check [--json] [--docs docs/validation.md]` runs the real model at a
  sample of the draws against every target (the posterior predictive); with `--docs` it also
  writes the validation page, leave-some-targets-out table included (docs/validation.md is
  produced this way, never typed).
- `recovery-sim calibrate --point-fit` (or any of `--trials`, `--targets`, `--replicates`,
  `--out`) is the earlier single-point fit (Nelder-Mead): the fit table, `--out FILE` as a
  scenario fragment other scenario files can `extends:`, `--docs FILE` as Markdown.
"""

from __future__ import annotations

import json
import shlex
import sys
from datetime import UTC, datetime
from pathlib import Path

import click

from simulation.calibration.design_runs import DesignSettings
from simulation.calibration.fitting import ANCHORS, DEFAULT_TARGETS, calibrate
from simulation.calibration.point_fit_report import (
    command_line,
    fragment_yaml,
    print_result,
    row_dict,
    validation_markdown,
)
from simulation.commands.options import dask_local_option, dask_scheduler_option
from simulation.running.pool import process_pool
from simulation.running.progress import replicate_progress
from simulation.running.result_files import to_jsonable, write_text
from simulation.running.runner import default_workers

DESIGN_DIR = "results/posterior_design"


@click.command("calibrate")
@click.option(
    "--check",
    is_flag=True,
    help="Run the model at a sample of the posterior's draws "
    "against every target (the posterior predictive) instead of building.",
)
@click.option(
    "--check-draws",
    type=click.IntRange(min=2),
    default=24,
    show_default=True,
    help="Draws the check runs.",
)
@click.option(
    "--design-dir",
    type=click.Path(file_okay=False),
    default=DESIGN_DIR,
    show_default=True,
    help="Results folder of the design runs (resumed).",
)
@click.option(
    "--points",
    type=click.IntRange(min=10),
    default=DesignSettings.points,
    show_default=True,
    help="Latin-hypercube points of the design.",
)
@click.option(
    "--limit",
    type=click.IntRange(min=0),
    help="Run at most N design points now (the ensemble uses every finished one; 0: run none).",
)
@click.option(
    "--draws",
    type=click.IntRange(min=10),
    default=400,
    show_default=True,
    help="Draws of the ensemble.",
)
@click.option(
    "--ensemble-out",
    type=click.Path(dir_okay=False),
    help="Write (or, with --check, read) the ensemble here (default: the package's).",
)
@click.option("--point-fit", is_flag=True, help="The single-point fit (Nelder-Mead) instead.")
@click.option(
    "--targets",
    type=click.Path(dir_okay=False),
    help="Point fit: YAML file of published figures with bands (default: bundled).",
)
@click.option(
    "--trials",
    type=click.IntRange(min=0),
    help="Point fit: model evaluations (0: only measure the current values) [60].",
)
@click.option(
    "--out", type=click.Path(dir_okay=False), help="Point fit: write the fitted values here (YAML)."
)
@click.option(
    "--replicates",
    type=click.IntRange(min=1),
    help="Point fit: runs per evaluation; its table uses twice as many [2].",
)
@click.option("--docs", type=click.Path(dir_okay=False), help="Write the validation page here.")
@click.option(
    "--population",
    type=click.IntRange(min=50),
    help="Participants per run (default: design and check 500, point fit 2000).",
)
@click.option(
    "--seed",
    type=click.IntRange(0, 2**63 - 1),
    help="Master seed (default: design and ABC 20261202; check and point fit 0).",
)
@click.option(
    "--workers",
    type=click.IntRange(min=0),
    help="Local worker processes (default: cores; 0 runs in this process).",
)
@dask_local_option
@dask_scheduler_option
@click.option("--json", "as_json", is_flag=True, help="Print the result as one JSON document.")
def command(**options) -> None:  # fmt: skip
    """Build the calibrated posterior ensemble, check it against every target, or fit a point."""
    point = options["point_fit"] or any(
        options[k] is not None for k in ("trials", "targets", "out", "replicates")
    )
    if point:
        _point_fit(options)
    elif options["check"]:
        _check(options)
    else:
        _build(options)


def _line() -> str:
    return "recovery-sim " + " ".join(shlex.quote(a) for a in sys.argv[1:])


def _progress_total(points: int, limit: int | None) -> int:
    return points if limit is None else min(points, limit)


def _build(o: dict) -> None:
    from simulation.calibration.ensemble import AbcSettings, build_ensemble, write_ensemble
    from simulation.calibration.posterior import POSTERIOR_FILE

    seed = DesignSettings.seed if o["seed"] is None else o["seed"]
    design = DesignSettings(o["points"], o["population"] or DesignSettings.population, seed)
    abc = AbcSettings(draws=o["draws"], seed=seed)
    total = _progress_total(design.points, o["limit"])
    with replicate_progress(total, "calibrate: design runs") as step:  # stderr: --json too
        ensemble = build_ensemble(
            o["design_dir"],
            design,
            abc,
            workers=o["workers"],
            dask_local=o["dask_local"],
            dask_scheduler=o["dask_scheduler"],
            limit=o["limit"],
            on_progress=lambda runs, _failed: [step(None) for _ in range(runs)],
            command=_line(),
        )
    path, prov = write_ensemble(ensemble, o["ensemble_out"] or POSTERIOR_FILE)
    summary = {
        "ensemble": str(path),
        "provenance": str(prov),
        "draws": len(ensemble.result.values),
        "design_points": ensemble.points,
        "abc": ensemble.provenance["abc"],
    }
    if o["as_json"]:
        click.echo(json.dumps(to_jsonable(summary), indent=2))
    else:
        click.echo(
            f"{summary['draws']} draws from {ensemble.points} design points written to {path} "
            f"(provenance: {prov}); ABC tolerance {summary['abc']['tolerance']} over "
            f"{summary['abc']['candidates']} candidates."
        )


def _check(o: dict) -> None:
    from simulation.calibration.ensemble import design_file, design_frame_emulator
    from simulation.calibration.ensemble_report import check_document, print_check
    from simulation.calibration.posterior import load_posterior, posterior_provenance
    from simulation.calibration.predictive import posterior_check

    path = o["ensemble_out"]
    draws = load_posterior(path)
    settings = {
        "draws": min(o["check_draws"], len(draws)),
        "population": o["population"] or 500,
        "seed": o["seed"] or 0,
        "ensemble": path or "bundled",
    }
    with replicate_progress(settings["draws"], "calibrate --check") as step:  # stderr: --json too
        rows, _ = posterior_check(
            draws,
            count=settings["draws"],
            population=settings["population"],
            seed=settings["seed"],
            workers=o["workers"],
            dask_local=o["dask_local"],
            dask_scheduler=o["dask_scheduler"],
            on_done=step,
        )
    if o["docs"]:
        from simulation.calibration.ensemble_report import validation_page
        from simulation.calibration.leave_out import leave_out
        from simulation.calibration.priors import to_unit
        from simulation.calibration.target_runs import fit_targets

        prov_path = Path(path).with_suffix(".yaml") if path else None
        provenance = posterior_provenance(prov_path)
        import pandas as pd

        emulator = design_frame_emulator(design_file(Path(path)) if path else None)
        cv = pd.DataFrame(provenance["emulator_cross_validation"]).T
        held = leave_out(emulator, fit_targets(), fitted_unit=to_unit(draws), seed=settings["seed"])
        stamp = datetime.now(UTC).isoformat(timespec="seconds")
        page = validation_page(rows, held, cv, provenance, settings, stamp, _line())
        write_text(o["docs"], page)
    if o["as_json"]:
        click.echo(json.dumps(to_jsonable(check_document(rows, settings)), indent=2))
    else:
        print_check(rows, settings)
        if o["docs"]:
            click.echo(f"validation page written to {o['docs']}")


def _point_fit(o: dict) -> None:
    targets = o["targets"] or str(DEFAULT_TARGETS)
    trials = 60 if o["trials"] is None else o["trials"]
    population, replicates = o["population"] or 2000, o["replicates"] or 2
    out, docs, seed = o["out"], o["docs"], o["seed"] or 0
    workers = o["workers"] or default_workers()
    total = trials + len(ANCHORS) * max(6, trials // 4)
    pool = process_pool(workers) if workers > 1 else None
    try:
        with replicate_progress(total, "calibrate") as advance:  # on stderr: --json too
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
    if o["as_json"]:
        document = {
            "values": result.values,
            "settings": result.settings,
            "fit": [row_dict(r) for r in result.rows],
        }
        click.echo(json.dumps(to_jsonable(document), indent=2))
    else:
        print_result(result, out, docs)
