"""Fill Solara's asset cache from the npm registry, so the dashboard works with no internet.

Solara's server fetches its browser files (the Vuetify app, requirejs, font-awesome, the grid
layout, vega, katex, mermaid) from a CDN on first use and keeps them under
`<venv>/share/solara/cdn/<package>@<version>/`. Hospital and government networks often cannot
reach that CDN, and then the page stays at "Loading app". This module reads the exact
`package@version` specs from the installed solara's own templates and components, `npm pack`s
each one from the npm registry (reachable where pip is) and unpacks it into that cache, at
install time (`make venv` runs it). Run it again at any time: packages already cached are skipped.

    python -m simulation.dashboard.assets            # fill the cache
    python -m simulation.dashboard.assets --check    # exit 1 if anything is missing
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

#: Written into a package's cache folder once it is fully unpacked.
COMPLETE_MARKER = ".recovery-sim-complete"

# `<cdn>/<package>@<version>/...` in solara's templates: `{{cdn}}/...`, `${this.getCdn()}/...`.
_SPEC = re.compile(r"/((?:@[a-z0-9][\w.-]*/)?[a-z0-9][\w.-]*@[0-9^~][\w.+-]*)/", re.IGNORECASE)
_SOURCE_SUFFIXES = {".html", ".j2", ".vue", ".py", ".js"}


def solara_root() -> Path:
    """The installed solara package folder."""
    import solara

    return Path(solara.__file__).resolve().parent


def cache_dir() -> Path:
    """Where solara's server looks for cached CDN files (`SOLARA_ASSETS_PROXY_CACHE_DIR`)."""
    from solara.server import settings

    return Path(settings.assets.proxy_cache_dir)


def asset_specs(root: Path | None = None) -> list[str]:
    """The `package@version` specs solara's server proxies from the CDN, sorted.

    Lines that load from an absolute CDN address (not through solara's proxy) are ignored:
    the server never serves those from its cache.
    """
    root = root or solara_root()
    specs: set[str] = set()
    for path in root.rglob("*"):
        if path.suffix not in _SOURCE_SUFFIXES or not path.is_file():
            continue
        if {"website", "test", "tests", "node_modules"} & set(path.relative_to(root).parts):
            continue
        for line in path.read_text(encoding="utf-8", errors="ignore").splitlines():
            if "cdn" not in line.lower() or "//cdn." in line:
                continue
            specs.update(_SPEC.findall(line))
    from solara.server import settings

    # font-awesome is named in a setting, not in a template.
    specs.update(_SPEC.findall(settings.assets.fontawesome_path))
    return sorted(specs)


def missing_specs(specs: list[str], cache: Path) -> list[str]:
    """The specs whose cache folder is not complete."""
    return [spec for spec in specs if not (cache / spec / COMPLETE_MARKER).exists()]


def _unpack(tarball: Path, target: Path) -> None:
    """Unpack an npm tarball (top folder stripped) into `target`, then mark it complete."""
    target.mkdir(parents=True, exist_ok=True)
    with tarfile.open(tarball) as archive:
        for member in archive.getmembers():
            parts = Path(member.name).parts[1:]  # npm tarballs hold one top folder, "package/"
            if not parts or not (member.isfile() or member.isdir()):
                continue
            member.name = str(Path(*parts))
            archive.extract(member, target, filter="data")
    (target / COMPLETE_MARKER).write_text("unpacked from the npm registry\n", encoding="utf-8")


def fill_cache(specs: list[str] | None = None, cache: Path | None = None, npm: str = "npm") -> int:
    """Download and unpack every missing spec; returns how many were added."""
    specs = asset_specs() if specs is None else specs
    cache = cache_dir() if cache is None else cache
    todo = missing_specs(specs, cache)
    if not todo:
        return 0
    if shutil.which(npm) is None:
        raise SystemExit(
            f"npm is needed to fetch the dashboard's browser assets ({', '.join(todo)}); "
            "install Node.js (apt-get install npm) and run `python -m simulation.dashboard.assets`"
        )
    with tempfile.TemporaryDirectory(prefix="solara-assets-") as tmp:
        result = subprocess.run(
            [npm, "pack", *todo, "--json", "--silent", "--pack-destination", tmp],
            check=True,
            capture_output=True,
            text=True,
            cwd=tmp,
        )
        packed = json.loads(result.stdout)
        for spec, info in zip(todo, packed, strict=True):
            _unpack(Path(tmp) / info["filename"], cache / spec)
    return len(todo)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only report missing packages")
    args = parser.parse_args(argv)
    specs, cache = asset_specs(), cache_dir()
    if args.check:
        missing = missing_specs(specs, cache)
        for spec in missing:
            print(f"missing: {spec}")
        print(f"{len(specs) - len(missing)} of {len(specs)} asset packages cached in {cache}")
        return 1 if missing else 0
    added = fill_cache(specs, cache)
    print(f"solara assets: {added} package(s) added, {len(specs)} cached in {cache}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
