"""The efficiency frontier in words: a table of designs by cost, and why some are off it.

`efficiency_frontier` (`simulation.analysis.health_economics`) ranks the designs on mean net cost
and QALYs of the whole cohort; here its rows become cells a planner reads (status in words,
rounded dollars and QALYs), and each design off the frontier gets one note saying which design
or mix of designs beats it. The HTML report and `compare`'s terminal output both use these, so
a cost per QALY of a dominated design is never shown without saying it is dominated.
"""

from __future__ import annotations

from simulation.report.labels import number

#: The frontier's status codes in words.
STATUS_WORDS = {
    "ND": "on the frontier",
    "ED": "extendedly dominated",
    "D": "dominated",
}

#: The frontier table's header (terminal and report).
HEADER = ["design", "status", "extra net cost", "extra QALYs", "cost per QALY gained"]


def frontier(document: dict) -> list[dict]:
    """The comparison's frontier rows (`health_economics.frontier`); [] when not costed."""
    return list((document.get("health_economics") or {}).get("frontier") or [])


def status_of(document: dict, name: str) -> str | None:
    """A design's frontier status ("ND", "ED" or "D"), or None when there is no frontier."""
    return next((r["status"] for r in frontier(document) if r["strategy"] == name), None)


def qalys_text(value: float | None) -> str:
    """QALYs rounded for reading: two decimals below 10 (a cohort's gains are small), else one.

    Example:
        >>> qalys_text(0.0652), qalys_text(12.345), qalys_text(None)
        ('0.07', '12.3', '-')
    """
    if value is None:
        return "-"
    text = f"{value:,.2f}" if abs(value) < 10 else f"{value:,.1f}"
    return text[1:] if text.startswith("-") and not text.strip("-0.,") else text


def frontier_rows(document: dict, names: dict[str, str] | None = None) -> list[list[str]]:
    """One row per design, in the frontier's order: name, status, increments and ICER.

    Increments are against the next cheaper design on the frontier; the cheapest frontier design
    is the reference, and designs off the frontier have no ICER (their status says why).

    Args:
        document: the comparison document.
        names: how to show each design (a label, a letter); default its name.

    Returns:
        The rows, as text cells under `HEADER`.
    """
    names = names or {}
    rows = []
    for row in frontier(document):
        if row["status"] != "ND":
            icer = "none"  # the status beside it says why
        elif row["icer"] is None:
            icer = "reference (cheapest)"
        else:
            icer = number("icer_per_qaly", row["icer"])
        rows.append(
            [
                names.get(row["strategy"], row["strategy"]),
                STATUS_WORDS[row["status"]],
                number("net_cost", row["incremental_cost"]),
                qalys_text(row["incremental_effect"]),
                icer,
            ]
        )
    return rows


def dominance_notes(document: dict, names: dict[str, str] | None = None) -> list[str]:
    """Per design off the frontier, one sentence: which design, or mix of designs, beats it.

    Args:
        document: the comparison document.
        names: how to show each design; default its name.

    Returns:
        The sentences, in the frontier's order ([] when every design is on it).
    """
    names = names or {}
    rows = frontier(document)
    on = [r for r in rows if r["status"] == "ND"]

    def show(row: dict) -> str:
        return names.get(row["strategy"], row["strategy"])

    notes = []
    for row in rows:
        if row["status"] == "D":
            better = next(
                (
                    other
                    for other in on + rows  # a design on the frontier first
                    if other is not row
                    and other["cost"] <= row["cost"]
                    and other["effect"] >= row["effect"]
                ),
                None,
            )
            by = f"{show(better)} costs no more and gains at least as many QALYs" if better else ""
            notes.append(f"{show(row)} is dominated: {by}." if by else f"{show(row)} is dominated.")
        elif row["status"] == "ED":
            below = [r for r in on if r["cost"] <= row["cost"]]
            above = [r for r in on if r["cost"] > row["cost"]]
            mix = f"a mix of {show(below[-1])} and {show(above[0])}" if below and above else "a mix"
            notes.append(
                f"{show(row)} is extendedly dominated: {mix} (its neighbours on the frontier) "
                "would gain more QALYs for the same money, so its cost per QALY is not a "
                "reason to choose it."
            )
    return notes


def frontier_caption(document: dict) -> str:
    """What the frontier's numbers are: whole-cohort totals, discounted, and the wtp."""
    economics = document.get("health_economics") or {}
    size = document["population"][document["baseline"]]
    rate = economics.get("discount_rate")
    discount = f", discounted at {100 * rate:g}% a year" if rate is not None else ""
    return (
        f"Designs in order of mean net cost (program and downstream costs) for the whole cohort "
        f"of {size:,} people{discount}. Extra cost and QALYs are against the next cheaper design "
        "on the frontier; a design is dominated when another costs no more and gains at least "
        "as many QALYs, and extendedly dominated when a mix of two others does better."
    )


def icer_qualifier(document: dict, name: str) -> str:
    """The words to add to a design's cost per QALY when it is off the frontier ("" if on it).

    Example:
        >>> icer_qualifier({"health_economics": {"frontier": [{"strategy": "b", "status": "D"}]}}, "b")
        ' (but dominated: see the frontier)'
    """
    status = status_of(document, name)
    if status in ("D", "ED"):
        return f" (but {STATUS_WORDS[status]}: see the frontier)"
    return ""
