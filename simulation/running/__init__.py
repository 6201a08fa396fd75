"""The running layer: runs, executors, seeds, progress and result files.

`runner` (one seeded run, replicates), `pool` (executors, pools, releasing finished models),
`seeds`, `progress`, `result_files` (checked, atomic writes), `folder_lock` (one session per
results folder) and `memory_pages` (the command line's memory-page setting).
"""
