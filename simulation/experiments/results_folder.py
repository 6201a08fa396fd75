"""A results folder's layout, reading it back, and whether it belongs to an experiment.

See `simulation.experiments.results` for what each file holds. Nothing here writes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from simulation.errors import ExperimentError
from simulation.experiments.plan import Plan

MANIFEST = "manifest.json"
RUNS = "runs"
DAILY = "daily"
DESIGN = "design.parquet"
EXPERIMENT_COPY = "experiment.yaml"
QUARANTINE = "quarantine"


def read_column_table(folder: Path, columns: list[str]) -> pa.Table | None:
    """Some columns of every part file in a dataset folder, or None if there is none.

    Args:
        folder: `runs/` or `daily/`.
        columns: the columns to read.

    Returns:
        One table of every part, or None.
    """
    if not folder.is_dir() or not any(folder.glob("*.parquet")):
        return None
    return ds.dataset(folder, format="parquet").to_table(columns=columns)


def read_parts(
    folder: Path, required: tuple[str, ...] = (), whole: bool = True
) -> tuple[list[pa.Table], list[tuple[Path, str]]]:
    """Every part file of a dataset folder that reads, and the ones that do not.

    Args:
        folder: `runs/` or `daily/`.
        required: columns a healthy part must have.
        whole: read every column; False reads only `required` (enough to find a truncated
            file or a foreign one, and cheap for large daily parts).

    Returns:
        (the tables read, [(damaged part, why)]), parts in name order.
    """
    tables, damaged = [], []
    for part in sorted(folder.glob("*.parquet")) if folder.is_dir() else []:
        try:
            schema = pq.read_schema(part)
            missing = [c for c in required if c not in schema.names]
            if not missing:
                table = pq.read_table(part, columns=None if whole else list(required))
        except (pa.ArrowException, OSError, ValueError) as exc:
            why = str(exc).replace(str(part), part.name)[:200]  # the path is named once, outside
            damaged.append((part, f"{type(exc).__name__}: {why}"))
            continue
        if missing:
            damaged.append((part, f"no column {missing[0]!r}: not a part file of this dataset"))
        else:
            tables.append(table)
    return tables, damaged


def folder_contents(root: Path) -> list[str]:
    """The experiment files a folder holds (manifest, design, copy of the file, part files).

    Args:
        root: a folder.

    Returns:
        Their paths relative to `root`; empty for a new or unrelated folder.
    """
    found = [name for name in (MANIFEST, DESIGN, EXPERIMENT_COPY) if (root / name).exists()]
    for sub in (RUNS, DAILY):
        found += [f"{sub}/{p.name}" for p in sorted((root / sub).glob("*.parquet"))[:3]]
    return found


def read_manifest(root: Path) -> dict[str, Any]:
    """The folder's manifest.

    Args:
        root: a results folder with a manifest.json.

    Returns:
        The manifest.

    Raises:
        ExperimentError: the manifest is not readable JSON.
    """
    try:
        manifest = json.loads((root / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ExperimentError(
            str(root / MANIFEST),
            "",
            problem=f"cannot be read ({type(exc).__name__}), so the folder's experiment is unknown",
            allowed="a results folder written by `recovery-sim experiment`, or another --out",
        ) from None
    if not isinstance(manifest, dict):
        raise ExperimentError(str(root / MANIFEST), "", problem="is not a manifest")
    return manifest


def check_folder(root: Path, plan: Plan, resume: bool) -> dict[str, Any] | None:
    """Refuse a folder whose contents are not this experiment's; nothing is written.

    Args:
        root: the results folder (it may not exist yet).
        plan: the experiment to run.
        resume: whether `--resume` was given.

    Returns:
        The folder's manifest when there is one to resume, else None (a fresh start).

    Raises:
        ExperimentError: results are there without --resume, they belong to another experiment,
            or there are results files but no manifest to say whose they are.
    """
    if not root.is_dir():
        return None
    if not (root / MANIFEST).exists():
        found = folder_contents(root)
        if found:
            raise ExperimentError(
                str(root),
                "",
                problem=f"holds results files ({', '.join(found)}) but no manifest.json, so "
                "nothing says which experiment they belong to (a run that failed to start, or "
                "a deleted manifest); they are not adopted",
                allowed="another --out folder, or delete this folder",
            )
        return None
    manifest = read_manifest(root)
    if not resume:
        raise ExperimentError(
            str(root),
            "",
            problem="already holds results of an experiment",
            allowed="--resume to continue them, or another --out folder",
        )
    recorded = manifest.get("experiment", {}).get("plan_sha256")
    if recorded != plan.plan_hash:
        raise ExperimentError(
            str(root),
            "",
            problem="holds results of a different experiment (its file, base scenarios, "
            "design or posterior ensemble changed since)",
            allowed="the same experiment file to resume, or another --out folder",
        )
    return manifest


def read_dataset(folder: Path, required: tuple[str, ...]) -> tuple[pd.DataFrame | None, list[str]]:
    """A dataset folder's healthy part files as one DataFrame, and a warning per damaged part.

    Args:
        folder: `runs/` or `daily/`.
        required: columns a healthy part must have.

    Returns:
        (the rows of every part that reads whole, or None if none does; one sentence per part
        left out, naming it).
    """
    tables, damaged = read_parts(folder, required)
    warnings = [
        f"{part} is damaged ({why}) and was left out; `recovery-sim experiment --resume` moves "
        "it to quarantine/ and runs its runs again"
        for part, why in damaged
    ]
    if not tables:
        return None, warnings
    return pa.concat_tables(tables, promote_options="default").to_pandas(), warnings
