"""The scenario layer: how parameters are declared, the schema, scenario files, overrides and YAML reading."""
