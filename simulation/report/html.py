"""The report as one self-contained HTML page: inline CSS, figures embedded as base64 PNG.

Nothing is fetched from the network, so the file opens the same on a laptop with no connection,
attached to an e-mail, or years later.
"""

from __future__ import annotations

import base64
from html import escape

from simulation.analysis.compare import DERIVED_METRICS, Comparison
from simulation.analysis.metrics import METRICS
from simulation.report.labels import MEASURES, estimate, label, measure
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
    metrics = list(dict.fromkeys(m for n in names for m in document["scenarios"][n]))
    rows = []
    for m in metrics:
        cells = [estimate(m, document["scenarios"][n].get(m)) for n in names]
        if any(c != "-" for c in cells):
            rows.append([measure(m, _size(document)), *cells])
    return _table(["measure", *map(label, names)], rows)


def differences_table(document: dict) -> str:
    """Each design minus the baseline, in plain words and units, with costs and log-rank tests.

    Rows with no value for any design are left out.
    """
    designs = list(document["differences"])
    metrics = list(dict.fromkeys(m for n in designs for m in document["differences"][n]))
    rows = []
    for m in metrics:
        cells = [estimate(m, document["differences"][n].get(m)) for n in designs]
        if any(c != "-" for c in cells):
            rows.append([measure(m, _size(document), difference=True), *cells])
    rows.append(
        ["extra program cost per participant"]
        + [
            estimate("cost_per_participant", e["incremental_cost_per_participant"])
            for e in (document["cost_effectiveness"][n] for n in designs)
        ]
    )
    for key, what in (("logrank", "time to first lapse"), ("logrank_relapse", "time to relapse")):
        rows.append([f"log-rank p, {what}"] + [_p(document[key].get(n)) for n in designs])
    return _table(["difference from " + label(document["baseline"]), *map(label, designs)], rows)


def ratios_table(document: dict) -> str:
    """Each design's metrics divided by the baseline's (bootstrap 95% intervals)."""
    designs = list(document["ratios"])
    metrics = list(dict.fromkeys(m for n in designs for m in document["ratios"][n]))
    rows = []
    for m in metrics:
        cells = [_ratio(document["ratios"][n].get(m)) for n in designs]
        if any(c != "-" for c in cells):
            rows.append([measure(m, _size(document)).split(" (")[0], *cells])
    return _table(["ratio to " + label(document["baseline"]), *map(label, designs)], rows)


def _ratio(stat: dict | None) -> str:
    if not stat or stat.get("mean") is None or stat["mean"] != stat["mean"]:
        return "-"
    text = f"{stat['mean']:.2f}"
    if stat.get("ci95") and None not in stat["ci95"]:
        text += f" ({stat['ci95'][0]:.2f} to {stat['ci95'][1]:.2f})"
    return text


def _p(value: float | None) -> str:
    if value is None or value != value:
        return "-"
    return "< 0.001" if value < 0.001 else f"{value:.3f}"


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
        "(the first). Ranges are 95% intervals across the replicate runs; the runs "
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
