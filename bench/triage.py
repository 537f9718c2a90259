"""Benchmark of the triage engine: a whole session, and loading the protocol library.

Targets (issue: triage engine): a complete triage session median ≤ 1 ms; loading the whole library ≤ 50 ms.
A session here is a real clinical test case replayed through ``start``/``next_step``/``answer``/``outcome`` —
every protocol's every case, round-robin, so the figure covers the whole library.
"""

from __future__ import annotations

import statistics
import time

from chalicelib.triage import load_library
from chalicelib.triage.cases import run_case
from chalicelib.triage.library import default_library

TARGET_SESSION_MS = 1.0
TARGET_LOAD_MS = 50.0


def measure(rounds: int = 5) -> dict[str, float]:
    loads, yaml_loads = [], []
    for _ in range(rounds):
        default_library.cache_clear()
        t0 = time.perf_counter()
        default_library()  # what a Lambda cold start does: the compiled snapshot
        loads.append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        library = load_library()  # the YAML sources, validated, with clinical test cases (review and CI)
        yaml_loads.append((time.perf_counter() - t0) * 1000)
    cases = [(p, c) for p in library.protocols.values() for c in p.test_cases]
    for protocol, case in cases[:20]:  # warm up
        run_case(library, protocol, case)
    sessions = []
    for protocol, case in cases * 3:
        t0 = time.perf_counter()
        result = run_case(library, protocol, case)
        sessions.append((time.perf_counter() - t0) * 1000)
        assert result.passed, result.problems
    return {
        "sessions": float(len(sessions)),
        "session_median_ms": statistics.median(sessions),
        "session_p95_ms": statistics.quantiles(sessions, n=20)[18],
        "load_median_ms": statistics.median(loads),
        "yaml_load_median_ms": statistics.median(yaml_loads),
        "protocols": float(len(library.protocols)),
    }


def main() -> None:
    r = measure()
    print(f"Triage engine ({int(r['protocols'])} protocols, {int(r['sessions'])} sessions)")
    print(
        f"  complete session, median   {r['session_median_ms']:7.3f} ms   target {TARGET_SESSION_MS:5.1f} ms"
        f"   ratio {r['session_median_ms'] / TARGET_SESSION_MS:.2f}"
    )
    print(f"  complete session, p95      {r['session_p95_ms']:7.3f} ms")
    print(
        f"  load whole library, median {r['load_median_ms']:7.1f} ms   target {TARGET_LOAD_MS:5.1f} ms"
        f"   ratio {r['load_median_ms'] / TARGET_LOAD_MS:.2f}"
    )


if __name__ == "__main__":
    main()
