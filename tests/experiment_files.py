"""Helpers shared by the experiment tests: write an experiment file, read its results folder."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import yaml


def write(tmp_path: Path, data: dict, name: str = "e.yaml") -> Path:
    """Write `data` as the YAML file `name` in `tmp_path`; returns its path."""
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def runs(out: Path) -> pd.DataFrame:
    """The results folder's runs table, in run order."""
    return pd.read_parquet(out / "runs").sort_values("run_id").reset_index(drop=True)


def daily(out: Path) -> pd.DataFrame:
    """The results folder's daily table, by run and day."""
    return pd.read_parquet(out / "daily").sort_values(["run_id", "day"]).reset_index(drop=True)
