"""One module per command. Add a command here and it appears in `recovery-sim --help`.

A command's module is imported only when that command runs (or `--help` lists them all):
`recovery-sim run` never imports the experiment, calibration or design-search code, nor the
libraries they use.
"""

from __future__ import annotations

import importlib

import click

#: Every command; each is the `command` of the module of the same name in `simulation/commands/`
#: (optimize and discover are the design search, simulation/design).
COMMANDS: tuple[str, ...] = (
    "run",
    "schema",
    "validate",
    "compare",
    "diff",
    "calibrate",
    "dashboard",
    "experiment",
    "analyze",
    "optimize",
    "discover",
)


class LazyGroup(click.Group):
    """A click group that imports a command's module the first time the command is needed."""

    def list_commands(self, ctx: click.Context) -> list[str]:  # noqa: ARG002 - click's signature
        """Every command's name, sorted (as click lists them)."""
        return sorted({*COMMANDS, *self.commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:  # noqa: ARG002
        """The command called `cmd_name`, its module imported now; None if there is none."""
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            self.add_command(importlib.import_module(f"simulation.commands.{cmd_name}").command)
        return self.commands.get(cmd_name)

    def all_commands(self) -> dict[str, click.Command]:
        """Every command by name, each module imported (for tools that list their options)."""
        for name in COMMANDS:
            self.get_command(click.Context(self), name)
        return dict(self.commands)
