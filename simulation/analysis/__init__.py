"""The analysis layer: outcome metrics of a run and comparisons between designs."""
