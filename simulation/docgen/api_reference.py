"""The reference part of docs/api.md, generated from the docstrings of the public API.

`docs/api.md` holds the reference between `<!-- reference:start -->` and
`<!-- reference:end -->`; the rest of the page is written by hand. After changing a public name
or its docstring, regenerate it:

    python -m simulation.docgen.api_reference --write docs/api.md

`--check docs/api.md` exits 1 if the file's reference differs (what the test does).
"""

from __future__ import annotations

import inspect
import re
import sys
import textwrap
from typing import Any

from pydantic import BaseModel

import simulation
from simulation.docgen.sections import GeneratedSection

START = "<!-- reference:start -->"
END = "<!-- reference:end -->"
COMMAND = "python -m simulation.docgen.api_reference --write docs/api.md"
SECTION = re.compile(r"^(Args|Arguments|Attributes|Returns|Raises|Yields|Example|Examples|Note):$")
#: Documentation of the public constants (plain dicts carry no docstring of their own).
CONSTANTS = {
    "METRICS": (
        "Every run metric's name and meaning: the columns of `RunSummary.metrics`, the keys of "
        "`evaluate`'s result.",
        '>>> rs.METRICS["lapse_free_90"]\n"Kaplan-Meier fraction with no lapse by day 90"',
    ),
    "DAILY_SERIES": (
        "Every daily series' name and meaning: the columns of `RunSummary.daily` and of the "
        "model's DataCollector.",
        '>>> rs.DAILY_SERIES["in_recovery"]\n'
        '"participants in recovery (abstinent) at the end of the day"',
    ),
}


def _annotation(value: Any) -> str:
    return value if isinstance(value, str) else inspect.formatannotation(value)


def _parameter(param: inspect.Parameter) -> str:
    text = {param.VAR_POSITIONAL: "*", param.VAR_KEYWORD: "**"}.get(param.kind, "") + param.name
    if param.annotation is not param.empty:
        text += f": {_annotation(param.annotation)}"
    if param.default is not param.empty:
        text += f"{' = ' if param.annotation is not param.empty else '='}{param.default!r}"
    return text


def _signature(name: str, obj: Any) -> str:
    """`name(params) -> returns`, on one line or one parameter per line when long."""
    try:
        signature = inspect.signature(obj)
    except (TypeError, ValueError):
        return name
    params, star = [], False
    for param in signature.parameters.values():
        if param.kind is param.KEYWORD_ONLY and not star:
            params.append("*")
        star = star or param.kind in (param.KEYWORD_ONLY, param.VAR_POSITIONAL)
        params.append(_parameter(param))
    returns = signature.return_annotation
    tail = "" if returns is signature.empty else f" -> {_annotation(returns)}"
    one_line = f"{name}({', '.join(params)}){tail}"
    if len(one_line) <= 96:
        return one_line
    body = "".join(f"    {p},\n" for p in params)
    return f"{name}(\n{body}){tail}"


def docstring_markdown(doc: str) -> str:
    r"""A Google-style docstring as markdown.

    Sections in bold, arguments as a list, examples as fenced code.

    Example:
        >>> print(docstring_markdown("Add.\n\nArgs:\n    x: a number."))
        Add.
        <BLANKLINE>
        **Args**
        <BLANKLINE>
        - `x`: a number.
    """
    out: list[str] = []
    lines = doc.splitlines()
    i = 0
    while i < len(lines):
        match = SECTION.match(lines[i].strip()) if not lines[i].startswith(" ") else None
        if not match:
            out.append(lines[i])
            i += 1
            continue
        title = match.group(1)
        i += 1
        block = []
        while i < len(lines) and (not lines[i].strip() or lines[i].startswith(" ")):
            block.append(lines[i])
            i += 1
        while block and not block[-1].strip():
            block.pop()
        body = textwrap.dedent("\n".join(block))
        out += [f"**{title}**", ""]
        if title.startswith("Example"):
            out += ["```python", body, "```"]
        elif title in ("Args", "Arguments", "Attributes", "Raises"):
            for entry in re.split(r"\n(?=\S)", body):
                head, _, text = entry.partition(":")
                text = " ".join(part.strip() for part in text.splitlines())
                out.append(f"- `{head.strip()}`: {text}")
        else:
            out.append(" ".join(part.strip() for part in body.splitlines()))
        out.append("")
    return "\n".join(out).strip()


def _members(cls: type) -> list[str]:
    """Public properties and methods defined on the class itself, with their first line."""
    rows = []
    for name, value in vars(cls).items():
        if name.startswith("_"):
            continue
        target = getattr(value, "fget", None) or getattr(value, "func", None) or value
        if not callable(target) and not isinstance(value, property):
            continue
        doc = inspect.getdoc(target) or ""
        kind = "method" if inspect.isfunction(value) else "property"
        call = _signature(name, value).replace("(self, ", "(").replace("(self)", "()")
        label = f"`{call}`" if kind == "method" else f"`.{name}`"
        rows.append(f"- {label}: {doc.splitlines()[0] if doc else ''}")
    return rows


def entry(name: str) -> str:
    """The reference entry of one public name."""
    obj = getattr(simulation, name)
    module = simulation._EXPORTS[name]
    if name in CONSTANTS:
        text, example = CONSTANTS[name]
        return (
            f"### `{name}`\n\n*dict in `{module}`*\n\n{text}\n\n**Example**\n\n"
            f"```python\n{example}\n```"
        )
    kind = "class" if inspect.isclass(obj) else "function"
    if inspect.isclass(obj) and issubclass(obj, BaseException):
        kind = "exception"
    if inspect.isclass(obj) and issubclass(obj, BaseModel):
        signature = f"{name}(**values)"
    else:
        signature = _signature(name, obj)
        if inspect.isclass(obj):
            signature = signature.removesuffix(" -> None")
    parts = [
        f"### `{name}`",
        f"*{kind} in `{module}`*",
        f"```python\n{signature}\n```",
        docstring_markdown(inspect.getdoc(obj) or ""),
    ]
    if inspect.isclass(obj) and issubclass(obj, BaseModel):
        fields = obj.model_fields
        parts.append(
            "Fields: "
            + ", ".join(f"`{f}`" for f in fields)
            + ". Every parameter is listed with its unit, default and source in the parameter "
            "table of [`docs/ODD.md`](ODD.md)."
        )
    elif inspect.isclass(obj) and not issubclass(obj, BaseException):
        members = _members(obj)
        if members:
            parts.append("Members:\n\n" + "\n".join(members))
    return "\n\n".join(parts)


def reference() -> str:
    """The generated reference: one entry per name in `simulation.__all__`, in that order."""
    return "\n\n".join(entry(name) for name in simulation.__all__)


GENERATED = GeneratedSection(START, END, lambda: reference(), COMMAND, padding="\n\n")


def replace_reference(text: str, generated: str | None = None) -> str:
    """`text` with the part between the markers replaced by the generated reference."""
    return GENERATED.replace(text, generated)


def documented_reference(text: str) -> str:
    """The reference currently between the markers of `text`."""
    return GENERATED.documented(text)


def main(argv: list[str] | None = None) -> int:
    """Write (--write FILE) or verify (--check FILE) the API reference section; the exit code."""
    return GENERATED.main(
        argv,
        "python -m simulation.docgen.api_reference",
        __doc__.splitlines()[0],
        f"API reference ({len(simulation.__all__)} names)",
    )


if __name__ == "__main__":
    sys.exit(main())
