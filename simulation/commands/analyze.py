"""`recovery-sim analyze DIR`: summaries, sensitivity indices and figures of an experiment."""

from __future__ import annotations

import click
from rich.console import Console
from rich.table import Table

from simulation.experiments.analysis import Analysis, analyze


def print_analysis(console: Console, analysis: Analysis) -> None:
    """What was analysed, the strongest factors per metric, and the files written."""
    results = analysis.results
    design = results.manifest["design"]
    console.print(
        f"[bold]{results.manifest['experiment']['name']}[/]: {design['kind']} design, "
        f"{len(results.runs)} finished runs at {results.runs['point_id'].nunique()} of "
        f"{design['points']} points ({results.failed} failed runs left out)"
    )
    indices = analysis.indices
    if not indices.empty:
        main = "ST" if design["kind"] == "sobol" else "mu_star"
        several = indices["scenario"].nunique() > 1
        table = Table(title=f"{design['kind'].capitalize()} sensitivity ({main}, 95% interval)")
        for column in ("scenario", "metric", "factor", main)[0 if several else 1 :]:
            table.add_column(column, justify="right" if column == main else "left")
        top = indices[indices["index"] == main].sort_values("value", ascending=False)
        for (scenario, metric), group in top.groupby(["scenario", "metric"], sort=False):
            for _, row in group.head(3).iterrows():
                conf = f" ± {row['conf']:.3f}" if row["conf"] == row["conf"] else ""
                cells = [metric, row["factor"], f"{row['value']:.3f}{conf}"]
                table.add_row(*([scenario, *cells] if several else cells))
        console.print(table)
    for note in results.notes:
        console.print(f"note: {note}")
    folder = analysis.files[0].parent
    console.print(f"wrote {len(analysis.files)} files to {folder}/")
    for path in analysis.files:
        console.print(f"  {path.relative_to(folder)}")


@click.command("analyze")
@click.argument("results_dir", metavar="DIR", type=click.Path(file_okay=False))
@click.option(
    "--out",
    type=click.Path(file_okay=False),
    help="Where to write the analysis (default: DIR/analysis).",
)
def command(results_dir: str, out: str | None) -> None:
    """Summarize the experiment results in DIR.

    Per-point means and 95% intervals, main effects, Sobol or Morris indices (for those
    designs) and PNG figures.
    """
    analysis = analyze(results_dir, out)
    errors = Console(stderr=True)
    for warning in analysis.results.warnings:
        errors.print(f"[yellow]warning:[/] {warning}", highlight=False, soft_wrap=True)
    print_analysis(Console(), analysis)
