"""The demo dataset, loaded through the real services; never part of a production registry."""
