"""Kept for old habits: ``python benchmarks/overhead.py`` is ``python -m benchmarks``."""

import sys
from pathlib import Path

if __name__ == "__main__":
    sys.path[0] = str(Path(__file__).resolve().parents[1])  # the repository root, not benchmarks/
    from benchmarks.__main__ import main

    sys.exit(main())
