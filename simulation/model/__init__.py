"""The model layer: the Mesa model, population state, daily series, random streams, units and mechanisms.

Nothing here knows about files, screens or executors.
"""
