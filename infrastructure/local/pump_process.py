"""The local stack's event pump in a process of its own: ``python -m infrastructure.local.pump_process``.

In AWS the consumers of Nära's events (the table stream's handler, each consumer queue's Lambda, the schedules) run
in Lambdas of their own, beside the API's: a request never waits for a consumer's work. In one process they would
share the interpreter lock with the gateway, the app and the embedded AWS, and a consumer's batch computed beside a
request made that request up to twice as slow (docs/benchmarks.md, the vertical slice). Here the pump runs in a
child process of the stack, with its own copy of the app, and reaches the embedded AWS and the WebSocket management
API over HTTP, as a Lambda does; the stack starts it once it serves and stops it first when it stops.

The child is told what to poll by the environment variable ``NARA_PUMP`` (JSON, made by :func:`start`); the rest of
its configuration is the stack's environment, which it inherits. With ``--faults``, its AWS calls fail on purpose as
the stack's own do (its own share, its own seed), and it writes what it injected to a file the stack's
``/local/faults`` adds to its own report.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SPEC = "NARA_PUMP"
REPORT_EVERY = 0.5  # seconds between two writes of the faults report


def start(
    *,
    endpoint: str,
    region: str,
    stream_arns: dict[str, str],
    queue_urls: dict[str, str],
    faults: float = 0.0,
    fault_seed: int | None = None,
    faults_report: Path | None = None,
) -> subprocess.Popen[bytes]:
    """The pump's process, with this process's environment (the stack's settings) and the sources to poll."""
    spec = {
        "endpoint": endpoint,
        "region": region,
        "stream_arns": stream_arns,
        "queue_urls": queue_urls,
        "faults": faults,
        "fault_seed": fault_seed,
        "faults_report": str(faults_report) if faults_report else None,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "infrastructure.local.pump_process"],
        cwd=ROOT,
        env={**os.environ, SPEC: json.dumps(spec)},
    )


def stop(process: subprocess.Popen[bytes], timeout: float = 10.0) -> None:
    """Stop the pump (it finishes the batch in hand), or kill it if it does not stop in time."""
    if process.poll() is None:
        process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


class _Endpoint:
    """The embedded AWS as the pump's event sources ask for it: clients of each service at its endpoint."""

    def __init__(self, endpoint: str, region: str) -> None:
        self._endpoint, self._region = endpoint, region

    def client(self, service: str) -> Any:
        import boto3

        return boto3.client(service, region_name=self._region, endpoint_url=self._endpoint)


def main() -> int:
    spec = json.loads(os.environ[SPEC])
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    for noisy in ("botocore", "urllib3", "pynamodb"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    from infrastructure.local.faults import FaultInjector

    faults = FaultInjector(spec["faults"], spec["fault_seed"])
    if spec["faults"]:
        faults.install()  # before the first botocore session, as in the stack's own process
    import importlib

    from infrastructure.local.pump import EventPump

    app_module = importlib.import_module("app")
    pump = EventPump.for_app(
        app_module,
        aws=_Endpoint(spec["endpoint"], spec["region"]),
        region=spec["region"],
        stream_arns=spec["stream_arns"],
        queue_urls=spec["queue_urls"],
    )
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    signal.signal(signal.SIGINT, lambda *_: stopping.set())
    report = Path(spec["faults_report"]) if spec["faults_report"] else None
    if spec["faults"]:
        faults.enable()
    pump.start()
    while not stopping.wait(REPORT_EVERY):
        if report is not None:
            _write(report, faults.report())
    pump.stop()
    if report is not None:
        _write(report, faults.report())
    return 0


def _write(path: Path, report: dict[str, Any]) -> None:
    partial = path.with_suffix(".partial")
    partial.write_text(json.dumps(report))
    partial.replace(path)  # whole or not at all: the stack may read it at any moment


if __name__ == "__main__":
    sys.exit(main())
