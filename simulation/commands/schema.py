"""`recovery-sim schema`: print the scenario JSON Schema (for YAML editors' autocompletion)."""

from __future__ import annotations

import json

import click

from simulation.scenario.schema import Scenario


@click.command("schema")
def command() -> None:
    """Print the JSON Schema of scenario files."""
    schema = Scenario.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "recovery-sim scenario"
    click.echo(json.dumps(schema, indent=2))
