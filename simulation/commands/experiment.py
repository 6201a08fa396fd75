"""`recovery-sim experiment FILE`: run an experiment file's runs in parallel into a Parquet dataset."""

from __future__ import annotations

import sys
import time

import click
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from simulation.commands.options import dask_local_option, dask_scheduler_option
from simulation.experiments.plan import Plan
from simulation.experiments.session import Outcome, run_experiment
from simulation.running.parameter_draws import UNCERTAINTIES


class RateColumn(ProgressColumn):
    """Runs per second, averaged by rich over the last half minute."""

    def render(self, task: Task) -> Text:
        """The task's speed in runs per second, or a dash before the first run ends."""
        speed = task.finished_speed or task.speed
        return Text(f"{speed:.2f} runs/s" if speed else "- runs/s", style="progress.data.speed")


class Reporter:
    """Shows progress: a rich bar on a terminal, a line every ~10% or minute otherwise."""

    def __init__(self, console: Console, limit: int | None):
        self.console, self.limit = console, limit
        self.progress: Progress | None = None
        self.task: TaskID | None = None
        self.total = self.done = self.failed = self.next_line = 0
        self.start = self.last_line = time.monotonic()

    def on_start(self, plan: Plan, already: int, backend: str) -> None:
        """Say what will run (`already` runs are done) and start the bar or the line log."""
        spec = plan.experiment.spec
        todo = plan.total_runs - already
        self.total = todo if self.limit is None else min(todo, self.limit)
        self.console.print(
            f"[bold]{spec.name}[/]: {spec.design.kind} design, {plan.points} points x "
            f"{plan.replicates} replicates = {plan.total_runs} runs; {already} already recorded, "
            f"{self.total} to run on {backend}"
        )
        if self.console.is_terminal:
            self.progress = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                RateColumn(),
                TextColumn("[red]{task.fields[failed]} failed"),
                TimeElapsedColumn(),
                TextColumn("eta"),
                TimeRemainingColumn(),
                console=self.console,
            )
            self.progress.start()
            self.task = self.progress.add_task("runs", total=self.total, failed=0)
        self.start = self.last_line = time.monotonic()

    def on_progress(self, runs: int, failed: int) -> None:
        """Count `runs` more finished runs (`failed` of them failed) on the bar or the log."""
        self.done += runs
        self.failed += failed
        if self.progress is not None and self.task is not None:
            self.progress.update(self.task, advance=runs, failed=self.failed)
            return
        now = time.monotonic()
        if self.done >= self.next_line or now - self.last_line > 60 or self.done == self.total:
            self.next_line = self.done + max(1, self.total // 10)
            rate = self.done / max(now - self.start, 1e-9)
            eta = (self.total - self.done) / rate if rate else float("nan")
            self.console.print(
                f"runs {self.done}/{self.total}, {self.failed} failed, "
                f"{rate:.2f} runs/s, eta {eta:.0f} s"
            )
            self.last_line = now

    def stop(self) -> None:
        """Stop the progress bar, if there is one."""
        if self.progress is not None:
            self.progress.stop()


def print_summary(console: Console, outcome: Outcome, experiment_file: str) -> None:
    """The end-of-session table: runs, failures, rate, wall time, where the results are."""
    tally, counts = outcome.tally, outcome.counts
    rate = tally.completed / tally.seconds if tally.seconds else 0.0
    table = Table(title=f"experiment {outcome.status}", show_header=False)
    table.add_column("what")
    table.add_column("value", justify="right")
    rows: list[tuple[str, str]] = [
        ("runs this session", str(tally.completed)),
        ("failed this session", str(tally.failed)),
        ("runs per second", f"{rate:.2f}"),
        ("wall time", f"{tally.seconds:.1f} s"),
        ("executor", outcome.backend),
        ("recorded / planned", f"{counts['recorded']} / {counts['planned']}"),
        ("failed in total", str(counts["failed"])),
        ("still to run", str(counts["remaining"])),
        ("results", str(outcome.out)),
    ]
    for row in rows:
        table.add_row(*row)
    console.print(table)
    if counts["remaining"]:
        console.print(
            f"continue with: recovery-sim experiment {experiment_file} --out {outcome.out} --resume",
            highlight=False,
        )
    if counts["failed"]:
        console.print(
            f"[red]{counts['failed']} run(s) failed[/]; their errors are in the `error` column "
            f"of {outcome.out}/runs (status = 'failed')."
        )


@click.command("experiment")
@click.argument("experiment_file", metavar="FILE", type=click.Path(dir_okay=False))
@click.option(
    "--workers",
    type=click.IntRange(min=0),
    help="Local worker processes (default: the number of cores; 0 runs in this process).",
)
@dask_local_option
@dask_scheduler_option
@click.option(
    "--out",
    type=click.Path(file_okay=False),
    help="Results folder (default: the experiment's `out`, or results/<name>).",
)
@click.option("--resume", is_flag=True, help="Continue a results folder: skip recorded runs.")
@click.option("--limit", type=click.IntRange(min=1), help="Run at most N runs now (a quick look).")
@click.option(
    "--batch-size",
    type=click.IntRange(min=1),
    help="Runs per task and per part file (default: sized to ~5 s of work).",
)
@click.option(
    "--uncertainty",
    type=click.Choice(UNCERTAINTIES),
    help="What replicates vary: a posterior parameter draw per replicate (the same for every "
    "design point) plus run-to-run chance, or chance only [the file's `uncertainty`, by "
    "default parameters+stochastic].",
)
def command(
    experiment_file: str,
    workers: int | None,
    dask_local: int | None,
    dask_scheduler: str | None,
    out: str | None,
    resume: bool,
    limit: int | None,
    batch_size: int | None,
    uncertainty: str | None,
) -> None:
    """Run the experiment in FILE (YAML): every design point x replicate, written to Parquet.

    Exits with 1 if any run failed (its error is recorded), 130 if interrupted; rerun with
    --resume to continue where it stopped.
    """
    console = Console(stderr=True)
    reporter = Reporter(console, limit)
    try:
        outcome = run_experiment(
            experiment_file,
            out=out,
            workers=workers,
            dask_local=dask_local,
            dask_scheduler=dask_scheduler,
            resume=resume,
            limit=limit,
            batch_size=batch_size,
            uncertainty=uncertainty,
            on_start=reporter.on_start,
            on_progress=reporter.on_progress,
            on_notice=lambda text: console.print(
                f"[yellow]warning:[/] {text}", highlight=False, soft_wrap=True
            ),
        )
    except KeyboardInterrupt:
        reporter.stop()
        console.print(
            f"interrupted after {reporter.done} runs this session; they are saved. "
            "Rerun with --resume to continue."
        )
        sys.exit(130)
    finally:
        reporter.stop()
    print_summary(console, outcome, experiment_file)
    if outcome.counts["failed"]:
        sys.exit(1)
