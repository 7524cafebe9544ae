"""Benchmarks, runnable with `make bench` or `python -m bench.<name>`."""
