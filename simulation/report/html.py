"""The report as one self-contained HTML page: inline CSS, figures embedded as base64 PNG.

Nothing is fetched from the network, so the file opens the same on a laptop with no connection,
attached to an e-mail, or years later.
"""

from __future__ import annotations

import base64
from html import escape

from simulation.analysis.compare import DERIVED_METRICS, Comparison
from simulation.analysis.metrics import METRICS
from simulation.report.frontier import (
    HEADER,
    dominance_notes,
    frontier_caption,
    frontier_rows,
    icer_qualifier,
)
from simulation.report.labels import MEASURES, distinct, estimate, label, measure, ratio
from simulation.report.text import design_sentence, money, period
from simulation.scenario.files import scenario_yaml

STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:1040px;margin:2em auto;
padding:0 1em;color:#222;line-height:1.45}h1{margin-bottom:.2em}.sub{color:#666;margin-top:0}
table{border-collapse:collapse;margin:1em 0;font-size:.92em}th,td{border-bottom:1px solid #ddd;
padding:.3em .6em;text-align:right}th:first-child,td:first-child{text-align:left}
figure{margin:1.5em 0}figure img{max-width:100%;border:1px solid #eee}
figcaption{color:#555;font-size:.9em}.lead li{font-size:1.1em;margin:.4em 0}
.warn{background:#fff4e5;border-left:4px solid #d95f02;padding:.6em .8em}
.table-wrap,table{display:block;overflow-x:auto}
pre{background:#f6f6f6;padding:.8em;overflow-x:auto;font-size:.85em}.note{color:#555}
"""


def _table(header: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _size(document: dict) -> int:
    return document["population"][document["baseline"]]


def metrics_table(document: dict) -> str:
    """Every measure of every scenario in plain words and units: mean (95% interval).

    Rows with no value for any design (a mentor measure when no design has mentors) are left out.
    """
    names = list(document["scenarios"])
    metrics = distinct(m for n in names for m in document["scenarios"][n])
    rows = []
    for m in metrics:
        cells = [estimate(m, document["scenarios"][n].get(m)) for n in names]
        if any(c != "-" for c in cells):
            rows.append([measure(m, _size(document)), *cells])
    return _table(["measure", *map(label, names)], rows)


def differences_table(document: dict) -> str:
    """Each design minus the baseline, in plain words and units, with costs and hazard ratios.

    Rows with no value for any design are left out.
    """
    designs = list(document["differences"])
    metrics = distinct(m for n in designs for m in document["differences"][n])
    rows = []
    for m in metrics:
        cells = [estimate(m, document["differences"][n].get(m)) for n in designs]
        if m == "icer_per_qaly":  # never a cost per QALY of a dominated design unsaid
            cells = [c + icer_qualifier(document, n) for c, n in zip(cells, designs, strict=True)]
        if any(c != "-" for c in cells):
            rows.append([measure(m, _size(document), difference=True), *cells])
    rows.append(
        ["extra program cost per participant"]
        + [
            estimate("cost_per_participant", e["incremental_cost_per_participant"])
            for e in (document["cost_effectiveness"][n] for n in designs)
        ]
    )
    for event in ("lapse", "relapse"):
        rows.append(
            [f"hazard ratio, time to first {event}"]
            + [ratio(document["hazard_ratios"][n][event]) for n in designs]
        )
    return _table(["difference from " + label(document["baseline"]), *map(label, designs)], rows)


def frontier_section(document: dict) -> list[str]:
    """The efficiency frontier: a table of designs by cost and why some are off it ([] if none)."""
    names = {n: label(n) for n in document["scenarios"]}
    rows = frontier_rows(document, names)
    if not rows:
        return []
    notes = "".join(f"<li>{escape(n)}</li>" for n in dominance_notes(document, names))
    return [
        "<h2>Cost-effectiveness frontier</h2>",
        f"<p class='note'>{escape(frontier_caption(document))}</p>",
        _table(HEADER, rows),
        f"<ul>{notes}</ul>" if notes else "",
    ]


def ratios_table(document: dict) -> str:
    """Each design's metrics divided by the baseline's (bootstrap 95% intervals)."""
    designs = list(document["ratios"])
    metrics = distinct(m for n in designs for m in document["ratios"][n])
    rows = []
    for m in metrics:
        cells = [ratio(document["ratios"][n].get(m)) for n in designs]
        if any(c != "-" for c in cells):
            rows.append([measure(m, _size(document)).split(" (")[0], *cells])
    return _table(["ratio to " + label(document["baseline"]), *map(label, designs)], rows)


#: The metrics whose `probability_best` the report shows.
HEADLINE_BEST = (
    "relapsed_per_100",
    "in_recovery_end",
    "overdose_deaths",
    "qalys",
    "net_cost",
    "cost_per_participant",
)


def best_table(document: dict) -> str:
    """Per headline metric, the share of replicates in which each design was best."""
    names = list(document["scenarios"])
    rows = []
    for metric, best in (document.get("probability_best") or {}).items():
        if metric not in HEADLINE_BEST:
            continue
        cells = [best["designs"].get(n) for n in names]
        what = measure(metric, _size(document)).split(" (")[0]
        rows.append(
            [f"{what} ({best['better']} is better)"]
            + ["-" if c is None else f"{100 * c:.0f}%" for c in cells]
        )
    return _table(["best in what share of the replicates", *map(label, names)], rows)


def drivers_table(document: dict) -> str:
    """The parameters that drive each headline difference, strongest first ("" without draws)."""
    rows = []
    for design, found in (document.get("uncertainty_drivers") or {}).items():
        for metric, drivers in found.items():
            what = measure(metric, _size(document), difference=True).split(" (")[0]
            rows += [
                [
                    label(design),
                    what,
                    d["parameter"],
                    f"{d['rank_correlation']:+.2f}",
                    f"{100 * d['share_explained_alone']:.0f}%",
                ]
                for d in drivers[:3]
            ]
    if not rows:
        return ""
    header = ["design", "difference", "parameter", "rank correlation", "explained alone"]
    return _table(header, rows)


def decisions_section(document: dict) -> list[str]:
    """The report's part on decisions: best design, value of information, what drives it."""
    parts = [
        "<h2>How sure is the model?</h2>",
        f"<p class='note'>{escape(_what_varies(document))}</p>",
        best_table(document),
    ]
    curve = document.get("acceptability_curve") or {}
    if curve:
        at = curve["at_wtp"]
        parts.append(
            f"<p>At {money(at['wtp_per_qaly'])} per QALY the expected value of perfect "
            f"information is {money(at['evpi_per_person'])} per person: the most that "
            "resolving every uncertainty here would be worth before choosing a design.</p>"
        )
    drivers = drivers_table(document)
    if drivers:
        parts += [
            "<h3>Which uncertainties matter</h3>",
            "<p class='note'>Spearman rank correlation, across the replicates' posterior "
            "draws, between each parameter and each headline difference; its square is the "
            "share of the difference's spread that parameter alone explains. Narrowing the top "
            "ones is the research that would most sharpen the comparison.</p>",
            drivers,
        ]
    return parts


def _what_varies(document: dict) -> str:
    if document.get("uncertainty") == "parameters+stochastic":
        draws = document.get("parameter_draws") or {}
        return (
            f"Each replicate ran one of {draws.get('posterior_draws', 'the')} calibrated "
            "parameter sets (the same for every design) and its own chance events, so each "
            "replicate is one plausible world and every range in this report is the spread "
            "across them (parameter and run-to-run uncertainty)."
        )
    return (
        "Every replicate ran the scenario's own parameters (--uncertainty stochastic), so these "
        "shares and ranges carry run-to-run variation only, not uncertainty in the parameters."
    )


def render(
    comparison: Comparison, figures: list[tuple[str, str, bytes]], meta: dict[str, str]
) -> str:
    """The whole page. `figures` are (file name, caption, PNG bytes); `meta` is provenance."""
    doc = comparison.document
    designs = [n for n in comparison.names if n != comparison.baseline]
    lead = "".join(f"<li>{escape(design_sentence(n, doc))}</li>" for n in designs)
    how = (
        "vary together: every design ran the same replicate seeds, so each difference is "
        "paired over replicates (common random numbers)"
        if doc["crn"]
        else "are independent: each design ran its own seeds, so differences use Welch intervals"
    )
    costed = all(e["costed"] for e in doc["cost_effectiveness"].values())
    parts = [
        f"<h1>Peer-mentoring designs compared with {escape(label(comparison.baseline))}</h1>",
        f"<p class='sub'>{doc['replicates']} replicate runs per design, "
        f"{escape(period(doc['days']))} ({doc['days']} days), master seed {doc['seed']}; "
        f"produced {escape(meta['date'])}.</p>",
        *_population_warning(doc),
        f"<ul class='lead'>{lead}</ul>",
        "<p class='note'>A relapse is a return to regular use, counted once per participant "
        f"(the first). Ranges are 95% intervals: {escape(doc['intervals']['ci95'])}. The runs "
        f"{how}.</p>",
    ]
    for name, caption, png in figures:
        data = base64.b64encode(png).decode("ascii")
        parts.append(
            f"<figure><img alt='{escape(caption)}' src='data:image/png;base64,{data}'>"
            f"<figcaption>{escape(caption)} ({escape(name)})</figcaption></figure>"
        )
    if not costed:
        parts.append(
            "<p class='note'>No cost-effectiveness plane: these runs carry no costs "
            "(<code>cost_total</code>), and the report does not invent them.</p>"
        )
    parts += [
        "<h2>Every metric, per design</h2>",
        metrics_table(doc),
        f"<h2>Against {escape(label(comparison.baseline))}</h2>",
        differences_table(doc),
        *frontier_section(doc),
        *decisions_section(doc),
        "<h2>Ratios</h2>",
        ratios_table(doc),
        "<h2>What the metrics mean</h2>",
        _table(
            ["measure", "name in the data", "meaning"],
            [
                [MEASURES.get(k, (k.replace("_", " "),))[0], k, v]
                for k, v in (METRICS | DERIVED_METRICS).items()
            ],
        ),
        "<h2>How to reproduce this report</h2>",
        _provenance(comparison, meta),
    ]
    body = "\n".join(parts)
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>recovery-sim comparison</title><style>{STYLE}</style></head>"
        f"<body>{body}</body></html>\n"
    )


def _population_warning(doc: dict) -> list[str]:
    """A warning paragraph when designs serving different populations were compared anyway."""
    check = doc.get("population_check") or {}
    if not check.get("confounded"):
        return []
    named = "; ".join(
        f"{label(design)}: " + ", ".join(f"{k} {a!r} vs {b!r}" for k, (a, b) in keys.items())
        for design, keys in check["differences"].items()
    )
    return [
        "<p class='warn'><strong>Not a like-for-like comparison.</strong> These designs serve "
        "different populations (--allow-different-populations), so each difference mixes the "
        f"program's effect with the population's. Population keys that differ: {escape(named)}."
        "</p>"
    ]


def _provenance(comparison: Comparison, meta: dict[str, str]) -> str:
    doc = comparison.document
    rows = [["date", meta["date"]], ["common random numbers", str(doc["crn"]).lower()]]
    rows.append(["uncertainty", doc["uncertainty"]])
    draws = doc.get("parameter_draws")
    if draws:
        drawn = ", ".join(map(str, draws["replicate_draws"]))
        rows.append(["posterior draw of each replicate", drawn])
        pinned = "; ".join(f"{n}: {', '.join(k)}" for n, k in draws["pinned"].items() if k)
        rows.append(["keys the scenarios pin (not drawn)", pinned or "none"])
    if meta.get("command"):
        rows.append(["command", meta["command"]])
    rows += [[f"version of {k}", v] for k, v in meta.items() if k not in ("date", "command")]
    rows += [[f"seeds of {n}", ", ".join(map(str, s))] for n, s in comparison.seeds.items()]
    parts = [_table(["what", "value"], rows)]
    for scenario in comparison.scenarios:
        source = comparison.files.get(scenario.name, "")
        parts.append(
            f"<details><summary>Scenario {escape(scenario.name)} as run "
            f"{('(from ' + escape(source) + ', after extends and --set)') if source else ''}"
            f"</summary><pre>{escape(scenario_yaml(scenario))}</pre></details>"
        )
    return "\n".join(parts)


__all__ = ["money", "render"]
