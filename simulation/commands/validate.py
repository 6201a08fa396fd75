"""`recovery-sim validate FILE...`: check scenario files without running them."""

from __future__ import annotations

import sys

import click

from simulation.errors import ScenarioError
from simulation.scenario.files import load_scenario


@click.command("validate")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
def command(files: tuple[str, ...]) -> None:
    """Check scenario FILES (with their `extends:` chains); exit 2 if any is invalid."""
    failed = 0
    for file in files:
        try:
            scenario = load_scenario(file)
        except ScenarioError as exc:
            failed += 1
            click.echo(f"error: {exc}", err=True)
        else:
            click.echo(f"ok: {file} ({scenario.name})")
    if failed:
        sys.exit(2)
