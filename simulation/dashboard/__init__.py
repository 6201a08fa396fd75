"""The Solara dashboard: explore and compare program designs in the browser."""
