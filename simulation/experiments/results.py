"""The results folder of an experiment: Parquet datasets written batch by batch, and a manifest.

    <out>/manifest.json      experiment content and hash, package versions, sessions, counts
    <out>/experiment.yaml    the experiment file as it was run
    <out>/design.parquet     one row per design point: point_id, scenario, factor values, samples
    <out>/runs/part-*.parquet   one row per run: ids, seed, factor values, metrics, status, error
    <out>/daily/part-*.parquet  (if kept) one row per run and day, keyed by run_id and day

    <out>/quarantine/        part files found damaged, moved aside (their runs are rerun)

Each part file holds one finished batch and is written under a temporary dot-name, then renamed,
so a crash or `kill -9` never leaves half a file; readers (pyarrow, pandas, polars, DuckDB with a
`*.parquet` glob) skip dot-files. A batch's daily part is written before its runs part, so a run
in `runs/` always has its daily rows; on resume, daily parts without a runs part are removed.

A folder belongs to one experiment: the manifest records its fingerprint (`plan_sha256`: the
experiment file's runs-deciding content and its base scenarios, hence the design), and a folder
is only written once the run can start (the backend is up and the folder is locked). A folder
with results files but no manifest is refused, never adopted. A part file that cannot be read
(truncated, corrupt, not ours) is moved to `quarantine/` on resume, with its daily or runs
sibling, so its runs are run again and no run is counted twice.
"""

from __future__ import annotations

import datetime as dt
import platform
import shutil
import sys
import uuid
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from simulation.experiments.plan import Plan
from simulation.experiments.results_folder import (
    DAILY,
    DESIGN,
    EXPERIMENT_COPY,
    MANIFEST,
    QUARANTINE,
    RUNS,
    check_folder,
    read_column_table,
    read_parts,
)
from simulation.experiments.worker import BatchResult
from simulation.running.result_files import (
    ResultsWriteError,
    write_atomic,
    write_json,
    write_parquet,
    write_text,
)

PACKAGES = (
    "recovery-sim",
    "mesa",
    "numpy",
    "scipy",
    "pandas",
    "pyarrow",
    "pydantic",
    "networkx",
    "SALib",
    "dask",
    "distributed",
)
_ARROW_TYPES = {"int": pa.int64(), "float": pa.float64(), "bool": pa.bool_()}


def now() -> str:
    """The current time, ISO 8601 with the UTC offset."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def package_versions(names: tuple[str, ...] = PACKAGES) -> dict[str, str | None]:
    """Installed versions of the packages a result depends on (None: not installed).

    Args:
        names: the distributions to look up (default: an experiment's).

    Returns:
        `python` and each name's version.
    """
    found: dict[str, str | None] = {"python": platform.python_version()}
    for name in names:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = None
    return found


def runs_schema(plan: Plan) -> pa.Schema:
    """The Arrow schema of the runs dataset: the same for every part file of an experiment."""
    fields = [
        ("run_id", pa.int64()),
        ("point_id", pa.int64()),
        ("replicate", pa.int64()),
        ("seed", pa.int64()),
        ("scenario", pa.string()),
    ]
    fields += [(f.key, _ARROW_TYPES.get(f.kind, pa.string())) for f in plan.experiment.factors]
    if plan.draws is not None:  # the run's posterior draw and the values it set
        fields.append(("draw", pa.int64()))
        varied = {f.key for f in plan.experiment.factors}
        drawn = [k for k in plan.draws.posterior.columns if k not in varied]
        fields += [(str(k), pa.float64()) for k in drawn]
    fields += [(m, pa.float64()) for m in plan.experiment.spec.metrics]
    fields += [("status", pa.string()), ("error", pa.string()), ("attempts", pa.int64())]
    return pa.schema(fields)


class ResultsStore:
    """Writes an experiment's results folder and knows which runs are already in it."""

    def __init__(self, root: Path, plan: Plan):
        """A store for `plan` in `root`; nothing is read or written until `open`."""
        self.root = Path(root)
        self.plan = plan
        self.schema = runs_schema(plan)
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
        self.session = f"{stamp}-{uuid.uuid4().hex[:8]}"  # unique: parts are never overwritten
        self._sequence = 0
        self.manifest: dict[str, Any] = {}

    @classmethod
    def open(
        cls,
        root: Path,
        plan: Plan,
        resume: bool,
        on_notice: Callable[[str], None] | None = None,
    ) -> ResultsStore:
        """Start a results folder, or reopen one to resume; refuse to mix experiments.

        Call it once the run can start and the folder is locked: it writes the manifest, the
        design and a copy of the experiment file, and on resume tidies what a killed session
        left and moves damaged part files to `quarantine/` (saying so through `on_notice`).

        Args:
            root: the results folder.
            plan: the experiment to run.
            resume: continue a folder that already holds this experiment's results.
            on_notice: told about each quarantined part file.

        Returns:
            The store.

        Raises:
            ExperimentError: the folder's contents are not this experiment's (see
                `check_folder`).
        """
        store = cls(root, plan)
        manifest = check_folder(store.root, plan, resume)
        if manifest is None:
            store.manifest = store.new_manifest()
        else:
            store.manifest = manifest
            store.tidy()
            for note in store.quarantine_damaged():
                if on_notice:
                    on_notice(note)
        store.save_manifest()  # first: a folder with results files always has its manifest
        if resume or not (store.root / DESIGN).exists():
            write_parquet(store.root / DESIGN, plan.point_table())  # derived from the plan
        write_text(store.root / EXPERIMENT_COPY, plan.experiment.text)
        return store

    def new_manifest(self) -> dict[str, Any]:
        """The manifest of a new folder: the experiment, its fingerprint, design and versions."""
        exp, plan = self.plan.experiment, self.plan
        return {
            "experiment": {
                "name": exp.spec.name,
                "description": exp.spec.description,
                "file": str(exp.path),
                "sha256": exp.file_hash,
                "plan_sha256": plan.plan_hash,
                "content": exp.text,
                "resolved": exp.spec.model_dump(),
            },
            "scenarios": {s.name: s.model_dump() for s in exp.scenarios},
            "parameter_draws": plan.draws.describe() if plan.draws is not None else None,
            "design": {
                "kind": plan.design.kind,
                "rows": len(plan.design),
                "points": plan.points,
                "replicates": plan.replicates,
                "planned_runs": plan.total_runs,
                "factors": [f.__dict__ for f in exp.factors],
                "salib_problem": plan.design.problem,
            },
            "metrics": list(exp.spec.metrics),
            "daily": exp.spec.daily,
            "packages": package_versions(),
            "platform": platform.platform(),
            "command": " ".join(sys.argv),
            "started": now(),
            "finished": None,
            "status": "running",
            "sessions": [],
            "counts": {},
        }

    def tidy(self) -> None:
        """Remove what a killed session left: temporary files and daily parts without runs."""
        for folder in (self.root / RUNS, self.root / DAILY):
            for tmp in folder.glob(".*.tmp") if folder.is_dir() else ():
                tmp.unlink(missing_ok=True)
        if (self.root / DAILY).is_dir():
            done = {p.name for p in (self.root / RUNS).glob("*.parquet")}
            for part in (self.root / DAILY).glob("*.parquet"):
                if part.name not in done:
                    part.unlink()

    def quarantine_damaged(self) -> list[str]:
        """Move part files that cannot be read, and their siblings, to `quarantine/`.

        A damaged runs part takes its daily part with it (else the rerun would double the
        daily rows); a damaged daily part takes its runs part (else those runs would lack
        their daily rows). Either way the runs are rerun.

        Returns:
            One sentence per damaged part, naming it.
        """
        _, bad_runs = read_parts(self.root / RUNS, ("run_id", "status"))
        # Daily parts can be large: their ids are read, which finds truncated and foreign files.
        _, bad_daily = read_parts(self.root / DAILY, ("run_id", "day"), whole=False)
        notes = []
        for part, why in [*bad_runs, *bad_daily]:
            moved = [self._move_to_quarantine(self.root / sub / part.name) for sub in (RUNS, DAILY)]
            where = ", ".join(str(m.relative_to(self.root)) for m in moved if m is not None)
            self.manifest.setdefault("quarantined", []).append(
                {"part": str(part.relative_to(self.root)), "error": why, "moved": now()}
            )
            notes.append(
                f"{part} is damaged ({why}); moved to {where} and its runs will be run again."
            )
        return notes

    def _move_to_quarantine(self, part: Path) -> Path | None:
        if not part.exists():
            return None
        target = self.root / QUARANTINE / part.parent.name / part.name
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            target = target.with_name(f"{part.stem}-{uuid.uuid4().hex[:6]}{part.suffix}")
        shutil.move(part, target)
        return target

    def finished_run_ids(self) -> set[int]:
        """run_ids already recorded (finished or failed for good)."""
        table = read_column_table(self.root / RUNS, ["run_id"])
        return set() if table is None else set(table.column("run_id").to_numpy().tolist())

    def counts(self) -> dict[str, int]:
        """How many runs are recorded, how many ok and failed, and how many are still to do."""
        table = read_column_table(self.root / RUNS, ["run_id", "status"])
        if table is None:
            recorded = failed = unique = 0
        else:
            status = table.column("status").to_numpy(zero_copy_only=False)
            recorded, failed = len(status), int((status == "failed").sum())
            unique = len(np.unique(table.column("run_id").to_numpy()))
        return {
            "planned": self.plan.total_runs,
            "recorded": recorded,
            "ok": recorded - failed,
            "failed": failed,
            "remaining": self.plan.total_runs - unique,
        }

    def write(self, result: BatchResult) -> None:
        """Write one finished batch: its daily part first (if any), then its runs part."""
        self._sequence += 1
        name = f"part-{self.session}-{self._sequence:06d}.parquet"
        if result.daily is not None:
            daily = pa.Table.from_pandas(result.daily, preserve_index=False)
            write_atomic(self.root / DAILY / name, lambda tmp: pq.write_table(daily, tmp))
        table = pa.Table.from_pylist(result.rows, schema=self.schema)
        write_atomic(self.root / RUNS / name, lambda tmp: pq.write_table(table, tmp))

    def start_session(self, executor: str, limit: int | None) -> None:
        """Record that a session started on `executor` (with `limit`, if any)."""
        self.manifest["sessions"].append(
            {"started": now(), "finished": None, "executor": executor, "limit": limit}
        )
        self.manifest["status"] = "running"
        self.save_manifest()

    def end_session(self, status: str, completed: int, failed: int, seconds: float) -> dict:
        """Record how a session ended ("finished" or "interrupted") and the dataset's counts.

        The folder's status becomes "complete" (every planned run recorded), "incomplete"
        (a --limit session finished) or "interrupted".
        """
        counts = self.counts()
        session = self.manifest["sessions"][-1]
        session.update(
            finished=now(), status=status, completed=completed, failed=failed, seconds=seconds
        )
        self.manifest["counts"] = counts
        self.manifest["finished"] = session["finished"]
        if counts["remaining"] == 0:
            self.manifest["status"] = "complete"
        else:
            self.manifest["status"] = "incomplete" if status == "finished" else status
        try:
            self.save_manifest()
        except ResultsWriteError:
            # A full disk: the previous manifest stays; counts are read from the parts anyway.
            if status == "finished":
                raise
        return counts

    def save_manifest(self) -> None:
        """Write the manifest (atomically)."""
        write_json(self.root / MANIFEST, self.manifest)
