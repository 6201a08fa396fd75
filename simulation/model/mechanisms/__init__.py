"""One module per mechanism: its parameters (with units, defaults and sources) and its rule."""
