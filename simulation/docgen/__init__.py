"""Documentation generated from code (the ODD parameter table, the API reference)."""
