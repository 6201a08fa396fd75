"""`recovery-sim diff A B`: the resolved keys two scenarios set differently, with both values."""

from __future__ import annotations

import json

import click

from simulation.commands.options import set_option
from simulation.scenario.files import load_scenario
from simulation.scenario.population_keys import differing_keys, key_kind


@click.command("diff")
@click.argument("first", metavar="A")
@click.argument("second", metavar="B")
@set_option
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document instead of lines.")
def command(first: str, second: str, overrides: tuple[str, ...], as_json: bool) -> None:
    """The keys scenarios A and B (files or bundled names) resolve to different values.

    Each key is marked population (the people served: compare refuses designs that differ in
    one) or program. `--set` applies to both.
    """
    a, b = load_scenario(first, overrides), load_scenario(second, overrides)
    keys = {k: v for k, v in differing_keys(a, b).items() if key_kind(k) != "about"}
    if as_json:
        document = {
            "a": a.name,
            "b": b.name,
            "differences": [
                {"key": k, "kind": key_kind(k), "a": x, "b": y} for k, (x, y) in keys.items()
            ],
        }
        click.echo(json.dumps(document, indent=2))
        return
    if not keys:
        click.echo(f"{a.name} and {b.name} resolve to the same values.")
        return
    click.echo(f"{len(keys)} keys differ: {a.name} -> {b.name}")
    for kind in ("population", "program"):
        mine = [k for k in keys if key_kind(k) == kind]
        if mine:
            click.echo(f"\n{kind}:")
        for key in mine:
            x, y = keys[key]
            click.echo(f"  {key}: {_show(x)} -> {_show(y)}")


def _show(value: object) -> str:
    text = json.dumps(value) if not isinstance(value, str) else value
    return text if len(text) <= 60 else text[:57] + "..."
