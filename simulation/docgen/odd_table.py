"""The ODD parameter table, generated from the scenario schema so no parameter goes undocumented.

`docs/ODD.md` holds the table between the markers `<!-- parameters:start -->` and
`<!-- parameters:end -->`. Regenerate it after adding or changing a parameter:

    python -m simulation.docgen.odd_table --write docs/ODD.md

`--check docs/ODD.md` exits 1 if the file's table differs from the schema (what the test does).
"""

from __future__ import annotations

import json
import sys
from typing import Any

from simulation.docgen.sections import GeneratedSection
from simulation.scenario.schema import iter_parameters, parameter_default

START = "<!-- parameters:start -->"
END = "<!-- parameters:end -->"
COMMAND = "python -m simulation.docgen.odd_table --write docs/ODD.md"


def _cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ").strip()


def _format_default(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, str):
        return f'"{value}"' if value else '""'
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list | tuple | dict):
        return json.dumps(value, separators=(", ", ": "))
    if hasattr(value, "model_dump"):
        return json.dumps(value.model_dump(), separators=(", ", ": "))
    return str(value)


def _allowed(info: Any) -> str:
    parts = []
    for item in info.metadata:
        for attr, word in (("ge", "≥"), ("gt", ">"), ("le", "≤"), ("lt", "<")):
            bound = getattr(item, attr, None)
            if bound is not None:
                parts.append(f"{word} {bound:g}" if isinstance(bound, float) else f"{word} {bound}")
        items = "characters" if info.annotation is str else "items"
        for attr, word in (("min_length", f"min {items}"), ("max_length", f"max {items}")):
            bound = getattr(item, attr, None)
            if bound is not None:
                parts.append(f"{word} {bound}")
    args = getattr(info.annotation, "__args__", None)
    if (
        getattr(info.annotation, "__origin__", None) is not None
        and args
        and all(isinstance(a, str) for a in args)
    ):
        parts.append("one of " + ", ".join(f"`{a}`" for a in args))
    return ", ".join(parts)


def parameter_rows() -> list[dict[str, str]]:
    """One row per scenario parameter, in schema order (the defaults of a default Scenario)."""
    rows = []
    for key, info in iter_parameters():
        extra = info.json_schema_extra or {}
        rows.append(
            {
                "key": key,
                "meaning": info.description or "",
                "unit": extra.get("unit", ""),
                "default": _format_default(parameter_default(key)),
                "allowed": _allowed(info),
                "source": extra.get("source", ""),
            }
        )
    return rows


def parameter_table() -> str:
    """The markdown parameter table of docs/ODD.md."""
    lines = [
        "| parameter | meaning | unit | default | allowed | source |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for row in parameter_rows():
        lines.append(
            "| `{key}` | {meaning} | {unit} | {default} | {allowed} | {source} |".format(
                **{k: (v if k == "key" else _cell(v)) for k, v in row.items()}
            )
        )
    return "\n".join(lines)


GENERATED = GeneratedSection(START, END, lambda: parameter_table(), COMMAND)


def replace_table(text: str, table: str | None = None) -> str:
    """`text` with the part between the markers replaced by the generated table."""
    return GENERATED.replace(text, table)


def documented_table(text: str) -> str:
    """The table currently between the markers of `text`."""
    return GENERATED.documented(text)


def main(argv: list[str] | None = None) -> int:
    """Write (--write FILE) or verify (--check FILE) the parameter table; the exit code."""
    return GENERATED.main(
        argv,
        "python -m simulation.docgen.odd_table",
        __doc__.splitlines()[0],
        f"parameter table ({len(parameter_rows())} parameters)",
    )


if __name__ == "__main__":
    sys.exit(main())
