"""`python -m simulation` is the same as `recovery-sim`."""

from simulation.cli import main

main()
