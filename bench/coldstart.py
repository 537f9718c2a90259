"""Cold start: a fresh interpreter imports the Lambda entry point (``app``) and serves its first requests
(``GET /health``, then an authenticated ``GET /me``) against moto's server, beside a bare Chalice + boto3 app
(``bench/_bare_app.py``) doing the same in the same run. Target: Nära's time ≤ 1.3 × the bare app's (medians).

Both run in the same conditions: the same interpreter, the same moto server (the embedded AWS, in this process),
compiled bytecode cached (as a Lambda package or image with ``.pyc`` files has it); the first run of each is a
warm-up that writes that cache and is not counted. The interpreter's own start is not counted (it is the same for
both): the clock starts at the child's first line.
"""

from __future__ import annotations

import json
import logging
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_RATIO = 1.3
RUNS = 5
TENANT = "benchcold"
SESSION_KEY = "bench-cold-start-session-key-of-48-characters-xx"


def _environment(endpoint: str, table: str, audit: str, topic: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(
        {
            "NARA_TENANT": TENANT,
            "NARA_STAGE": "bench",
            "AWS_REGION": "eu-north-1",
            "AWS_DEFAULT_REGION": "eu-north-1",
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "NARA_TABLE": table,
            "NARA_AUDIT_TABLE": audit,
            "NARA_EVENTS_TOPIC_ARN": topic,
            "NARA_AWS_ENDPOINT": endpoint,
            "NARA_SESSION_KEY": SESSION_KEY,
            "NARA_PATIENT_KEY": "bench-patient-key",
            "POWERTOOLS_METRICS_DISABLED": "true",
            "POWERTOOLS_LOG_LEVEL": "ERROR",
        }
    )
    return env


def _session(env: dict[str, str]) -> str:
    """A live session of a nurse in the embedded AWS, opened by Nära's own session service (not timed)."""
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        from chalicelib import bootstrap
        from chalicelib.domain.model import Principal, PrincipalKind, UnitRole

        bootstrap.settings.cache_clear()
        bootstrap.container.cache_clear()
        nurse = Principal(TENANT, PrincipalKind.STAFF, "SE-S1", "Syster", "siths", "loa3", (UnitRole("U1", "nurse"),))
        token = str(bootstrap.container().sessions.open(nurse))
        bootstrap.settings.cache_clear()
        bootstrap.container.cache_clear()
        return token
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _child(which: str, token: str, env: dict[str, str]) -> dict[str, float]:
    done = subprocess.run(  # noqa: S603 - this interpreter, a module of ours, a token we made
        [sys.executable, "-m", "bench._coldchild", which, token],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"cold start of {which} failed:\n{done.stderr[-2000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def run(runs: int = RUNS) -> dict[str, dict[str, float]]:
    from infrastructure.definitions import TenantResources
    from infrastructure.local.embedded_aws import EmbeddedAws

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    aws = EmbeddedAws()
    aws.start()
    try:
        created = aws.create(TenantResources(TENANT))
        env = _environment(aws.endpoint, created.table_name, created.audit_table_name, created.events_topic_arn)
        token = _session(env)
        samples: dict[str, list[dict[str, float]]] = {"app": [], "bare": []}
        for which in samples:  # warm-up: writes the bytecode cache
            _child(which, token, env)
        for _ in range(runs):
            for which in samples:  # interleaved, so that the machine's load falls on both alike
                samples[which].append(_child(which, token, env))
    finally:
        aws.stop()
    return {
        which: {part: statistics.median(s[part] for s in runs_) for part in ("import", "health", "me", "total")}
        for which, runs_ in samples.items()
    }


def main() -> None:
    result = run()
    nara, bare = result["app"], result["bare"]
    print(f"Cold start ({RUNS} fresh interpreters each, medians; against moto's server)")
    for part in ("import", "health", "me"):
        label = {"import": "import the entry point", "health": "first GET /health", "me": "first GET /me"}[part]
        print(f"  {label:28s} Nära {nara[part]:7.1f} ms   bare Chalice + boto3 {bare[part]:7.1f} ms")
    ratio = nara["total"] / bare["total"]
    print(
        f"  {'import + both requests':28s} Nära {nara['total']:7.1f} ms   bare Chalice + boto3 {bare['total']:7.1f} ms"
        f"   ratio {ratio:.2f}   target ≤ {TARGET_RATIO}   ratio to target {ratio / TARGET_RATIO:.2f}"
    )


if __name__ == "__main__":
    main()
