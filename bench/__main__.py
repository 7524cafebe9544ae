"""`python -m bench` (`make bench`): run every benchmark that exists, one after another."""

from __future__ import annotations

import sys

from bench import ledger, publish


def main() -> None:
    """Run the benchmarks, passing the command-line flags (e.g. --quick) through."""
    ledger.main(sys.argv[1:])
    publish.main(sys.argv[1:])


if __name__ == "__main__":
    main()
