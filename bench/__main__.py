"""``python -m bench`` (``make bench``): every benchmark of Nära; figures go to docs/benchmarks.md."""

from __future__ import annotations

import importlib
import pkgutil

import bench


def main() -> None:
    for module in sorted(m.name for m in pkgutil.iter_modules(bench.__path__) if not m.name.startswith("_")):
        loaded = importlib.import_module(f"bench.{module}")
        if hasattr(loaded, "main"):
            loaded.main()
            print()


if __name__ == "__main__":
    main()
