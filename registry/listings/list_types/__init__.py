"""List types: one TOML file per kind of listing, shipped here, loaded and checked at start.

`loader.py` reads and validates a folder of them (`REGISTRY_LIST_TYPES_DIR`, default this
folder); docs/list-types.md describes every field and the sources of the shipped figures.
"""
