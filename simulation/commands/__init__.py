"""One module per command. Add a command here and it appears in `recovery-sim --help`."""

from __future__ import annotations

import click


def register_commands(group: click.Group) -> None:
    """Attach every command to the `recovery-sim` group."""
    from simulation.commands import (
        analyze,
        calibrate,
        compare,
        dashboard,
        diff,
        discover,
        experiment,
        optimize,
        run,
        schema,
        validate,
    )

    for module in (run, schema, validate, compare, diff, calibrate, dashboard, experiment, analyze):
        group.add_command(module.command)
    for module in (optimize, discover):  # design search (simulation/design)
        group.add_command(module.command)
