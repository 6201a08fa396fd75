"""The `recovery-sim` command line: a thin layer over the Python API.

Every command lives in its own module under `simulation/commands/`, imported only when that
command runs (`LazyGroup`); this file only gathers them and turns the errors users can fix into
one paragraph on stderr with exit code 2.
"""

from __future__ import annotations

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
    """Entry point of the `recovery-sim` console script."""
    avoid_compaction_stalls()  # before any command imports NumPy
    reuse_freed_memory()
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
