"""The running layer: one seeded run, replicates on an executor, progress and result files."""
