"""A program's own referral records: `intake.referrals_csv` in a scenario file.

A planner often has last year's referrals by month in a spreadsheet. A scenario file may name a
CSV of them (relative to the file) instead of typing `intake.referrals_by_month`:

    intake:
      enabled: true
      referrals_csv: referrals_2024.csv

The CSV has a header row with the columns `month` (1, 2, 3, ... in order) and `referrals`
(expected referrals that month, >= 0); other columns are ignored. The file layer reads it and
writes its counts into `intake.referrals_by_month`, so the resolved scenario (what a report
records) holds the numbers themselves and reruns without the CSV.
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path
from typing import Any

from simulation.errors import ScenarioError
from simulation.scenario.yaml_reading import read_text

KEY = "intake.referrals_csv"
COLUMNS = ("month", "referrals")


def inline_referrals_csv(data: dict[str, Any], path: Path) -> dict[str, Any]:
    """Replace a file's `intake.referrals_csv` with the CSV's counts in `referrals_by_month`.

    Args:
        data: one scenario file's own mapping (changed in place and returned).
        path: that file (the CSV's path is relative to it).

    Returns:
        The mapping, with `intake.referrals_by_month` from the CSV.

    Raises:
        ScenarioError: naming the scenario file and `intake.referrals_csv`, when the CSV is
            missing, unreadable, has no `month`/`referrals` columns, or a bad row.
    """
    intake = data.get("intake")
    if not isinstance(intake, dict) or "referrals_csv" not in intake:
        return data
    named = intake.pop("referrals_csv")
    if not isinstance(named, str) or not named:
        raise ScenarioError(str(path), KEY, named, "the path of a CSV file, relative to this file")
    if "referrals_by_month" in intake:
        raise ScenarioError(
            str(path), KEY, named, "referrals_csv or referrals_by_month, not both", "clashes"
        )
    csv_path = (Path(path).parent / named).resolve()
    try:
        # The strict reader: a FIFO, a device or a huge file is refused, not read without end.
        text = read_text(csv_path, ScenarioError, "referrals", fmt="CSV")
    except ScenarioError as exc:
        raise ScenarioError(
            str(path), KEY, named, exc.allowed, f"names a file that {exc.problem}"
        ) from None
    intake["referrals_by_month"] = _counts(text, str(path), named)
    return data


def _counts(text: str, source: str, named: str) -> list[float]:
    rows = list(csv.DictReader(io.StringIO(text)))
    header = rows[0].keys() if rows else []
    if not rows or any(column not in header for column in COLUMNS):
        raise ScenarioError(
            source,
            KEY,
            named,
            "a header row with the columns month and referrals, then one row per month",
            "has no month/referrals rows",
        )
    counts = []
    for line, row in enumerate(rows, start=2):
        try:
            month, referrals = int(row["month"]), float(row["referrals"])
        except (TypeError, ValueError):
            month, referrals = -1, math.nan
        if month != len(counts) + 1 or not math.isfinite(referrals) or referrals < 0:
            bad = f"{row.get('month')},{row.get('referrals')}"[:200]
            raise ScenarioError(
                source,
                KEY,
                named,
                "months numbered 1, 2, 3, ... in order, each with a count >= 0",
                f"has a bad row at line {line} ({bad})",
            )
        counts.append(referrals)
    return counts
