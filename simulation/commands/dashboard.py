"""`recovery-sim dashboard`: serve the Solara dashboard on this machine (127.0.0.1 by default)."""

from __future__ import annotations

import os
from pathlib import Path

import click

from simulation.errors import RecoverySimError
from simulation.optional import require

APP = "simulation.dashboard.app"


def server_environment(scenarios: str | None) -> dict[str, str]:
    """Environment for the Solara server: the app, the user's scenario folder, no telemetry."""
    from simulation.dashboard.catalogue import SCENARIOS_DIR_ENV

    env = {
        # `solara run` sets this too, but server_guard imports Solara's server (which reads
        # it at import) before `solara run` starts.
        "SOLARA_APP": APP,
        "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",
        # Solara's "This website runs on Solara" badge covers the page's bottom right corner.
        "SOLARA_THEME_SHOW_BANNER": "False",
        "MPLBACKEND": "Agg",
    }
    if scenarios:
        env[SCENARIOS_DIR_ENV] = str(Path(scenarios).resolve())
    return env


@click.command("dashboard")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8765, show_default=True)
@click.option(
    "--scenarios",
    type=click.Path(exists=True, file_okay=False),
    help="A folder of your own scenario files to list beside the bundled ones.",
)
@click.option(
    "--allow-host",
    "allow_hosts",
    multiple=True,
    metavar="NAME",
    help="Another name the server may be reached by (repeatable; *.example.org for a domain). "
    "It answers only to 127.0.0.1, localhost, ::1 and the --host address otherwise.",
)
def command(host: str, port: int, scenarios: str | None, allow_hosts: tuple[str, ...]) -> None:
    """Explore and compare program designs in the browser (Solara, works offline).

    Every browser page gets its own simulation. The server answers only on this machine
    unless --host says otherwise (e.g. --host 0.0.0.0 to share it on a trusted network,
    with --allow-host for the name others use to reach it). See SECURITY.md.
    """
    require("solara", "dashboard", "The dashboard")
    from simulation.dashboard import assets, server_guard

    server_guard.allowed_hosts(host, allow_hosts)  # a bad --allow-host fails before any work

    missing = assets.missing_specs(assets.asset_specs(), assets.cache_dir())
    if missing:
        click.echo(
            f"Fetching the dashboard's browser assets ({len(missing)} npm packages) ...", err=True
        )
        try:
            assets.fill_cache()
        except Exception as exc:  # offline machines still serve what is cached
            click.echo(
                f"warning: could not fetch browser assets ({exc}); the page will not load "
                "until they are cached (it never uses a CDN). Run "
                "`python -m simulation.dashboard.assets` where the npm registry is reachable.",
                err=True,
            )
    os.environ.update(server_environment(scenarios))
    # Before the server starts: uvicorn imports this same app object (see server_guard).
    server_guard.install(host, allow_hosts)
    from solara.__main__ import cli as solara_cli

    args = ["run", APP, "--host", host, "--port", str(port), "--production", "--no-open"]
    args += ["--no-check-version", "--log-level", "warning"]
    try:
        solara_cli.main(args=args, prog_name="recovery-sim dashboard", standalone_mode=False)
    except OSError as exc:
        raise RecoverySimError(f"cannot serve on {host}:{port}: {exc.strerror or exc}") from None
