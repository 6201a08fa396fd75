"""The `recovery-sim` command line: a thin layer over the Python API.

Every command lives in its own module under `simulation/commands/`, imported only when that
command runs (`LazyGroup`); this file only gathers them and turns the errors users can fix into
one paragraph on stderr with exit code 2.
"""

from __future__ import annotations

import gc
import sys

import click

from simulation.commands import LazyGroup
from simulation.errors import RecoverySimError
from simulation.running.memory_pages import avoid_compaction_stalls, reuse_freed_memory


@click.group(
    cls=LazyGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(package_name="recovery-sim")
def cli() -> None:
    """Simulate peer-mentoring programs in substance-use recovery communities."""


def main(argv: list[str] | None = None) -> None:
    """Entry point of the `recovery-sim` console script.

    Args:
        argv: the command's arguments; None reads them from `sys.argv`, as the console script
            and `python -m simulation` do, and then the process ends when the command does
            (see `_freeze_for_exit`).
    """
    avoid_compaction_stalls()  # before any command imports NumPy
    reuse_freed_memory()
    try:
        _run(argv)
    finally:
        if argv is None:
            _freeze_for_exit()


def _freeze_for_exit() -> None:
    """Let the interpreter end without collecting what the command left (`gc.freeze`).

    At exit, CPython clears every module and then collects the reference cycles that leaves:
    the cycles of NumPy, SciPy, pandas, Mesa and Numba's compiled kernels took 0.6-0.7 s here
    on every run, whatever its size. Frozen objects are never collected; everything else
    about the exit happens as usual (exit handlers, waiting for threads, flushing output),
    and the operating system takes the memory back. Only for the process's own command: in
    a program that goes on, frozen cycles would never be freed.
    """
    gc.freeze()


def _run(argv: list[str] | None) -> None:
    """The command of `argv`, its fixable errors as one paragraph and an exit code."""
    try:
        cli.main(args=argv, prog_name="recovery-sim", standalone_mode=False)
    except RecoverySimError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
