"""Documentation sections generated from code: written between two markers, checked by tests.

The ODD parameter table and the API reference are both produced this way, so a page can never
drift from the schema or the docstrings it describes.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path


class GeneratedSection:
    r"""A section of a Markdown file between `start` and `end` markers, made by `generate()`.

    Example:
        >>> section = GeneratedSection("<!-- a -->", "<!-- b -->", lambda: "new", "cmd")
        >>> section.replace("x <!-- a -->old<!-- b --> y")
        'x <!-- a -->\nnew\n<!-- b --> y'
    """

    def __init__(
        self, start: str, end: str, generate: Callable[[], str], command: str, padding: str = "\n"
    ):
        self.start, self.end, self.generate, self.command = start, end, generate, command
        self.padding = padding

    def replace(self, text: str, content: str | None = None) -> str:
        """`text` with the part between the markers replaced by the generated content."""
        if self.start not in text or self.end not in text:
            raise ValueError(f"the markers {self.start} and {self.end} are missing")
        head, rest = text.split(self.start, 1)
        _, tail = rest.split(self.end, 1)
        body = content if content is not None else self.generate()
        return f"{head}{self.start}{self.padding}{body}{self.padding}{self.end}{tail}"

    def documented(self, text: str) -> str:
        """The content currently between the markers of `text`."""
        return text.split(self.start, 1)[1].split(self.end, 1)[0].strip()

    def main(self, argv: list[str] | None, prog: str, description: str, what: str) -> int:
        """`--write FILE`, `--check FILE` (exit 1 if stale) or print the generated content."""
        parser = argparse.ArgumentParser(prog=prog, description=description)
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--write", metavar="FILE", help=f"replace the {what} in FILE")
        group.add_argument("--check", metavar="FILE", help=f"exit 1 if FILE's {what} is stale")
        args = parser.parse_args(argv)
        if args.write:
            path = Path(args.write)
            path.write_text(self.replace(path.read_text(encoding="utf-8")), encoding="utf-8")
            print(f"wrote the {what} to {path}")
            return 0
        if args.check:
            text = Path(args.check).read_text(encoding="utf-8")
            if self.documented(text) != self.generate():
                print(f"{args.check}: the {what} is out of date; run `{self.command}`")
                return 1
            return 0
        print(self.generate())
        return 0
