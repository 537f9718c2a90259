"""Application overhead: each API action's latency through the local stack, as a ratio to the raw AWS calls it
makes, replayed with boto3 against the same moto server (the stack's embedded AWS). Target ≤ 1.5.

How: rounds of the journey in ``bench/_journey.py`` (a triage sent to the queue; a nurse views the queue, opens,
claims, chats and closes) run over HTTP through the local stack, each action timed. The same round runs in this
process against the stack's embedded AWS — the same app, tables and data — with every botocore call recorded; each
action's calls are then replayed one after the other with a plain boto3 client and timed. A replayed write drops its
condition (the item it guarded now exists, and a failed condition would make moto roll back, which costs far more
than the write). The ratio per action is median HTTP latency / median replay time; "whole round" divides the sums.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import re
import statistics
import tempfile
import time
import warnings
from collections import defaultdict
from pathlib import Path
from typing import Any

import httpx

from bench._aws import Call, recording
from bench._journey import ACTIONS, round_
from infrastructure.local.embedded_aws import CREDENTIALS
from tests.stack import RunningStack, start_stack

TARGET_RATIO = 1.5
ROUNDS = 3
HUSKVARNA = "SE2321000057-VC01"
NURSE = "SE2321000057-S001"
CITIZEN = "191212121212"
_PLACEHOLDER = re.compile(r"[#:][A-Za-z0-9_]+")


def _embedded_aws(stack: RunningStack) -> str:
    for _ in range(50):
        found = re.search(r"Embedded AWS:\s+(\S+)", stack.log_path.read_text())
        if found:
            return found.group(1)
        time.sleep(0.1)
    raise RuntimeError("the local stack did not print its embedded AWS endpoint")


def _without_condition(params: dict[str, Any]) -> dict[str, Any]:
    """The same write without its condition, and without the names and values only the condition used."""
    kept = {k: v for k, v in params.items() if k != "ConditionExpression"}
    used = set()
    for field in ("UpdateExpression", "ProjectionExpression", "KeyConditionExpression", "FilterExpression"):
        used.update(_PLACEHOLDER.findall(kept.get(field, "") or ""))
    for field in ("ExpressionAttributeNames", "ExpressionAttributeValues"):
        if field in kept:
            kept[field] = {k: v for k, v in kept[field].items() if k in used}
            if not kept[field]:
                del kept[field]
    return kept


def replayable(call: Call) -> dict[str, Any]:
    params = call.params
    if call.operation in ("PutItem", "UpdateItem", "DeleteItem"):
        return _without_condition(params)
    if call.operation == "TransactWriteItems":
        items = []
        for entry in params["TransactItems"]:
            (kind, inner), *_ = entry.items()
            if kind != "ConditionCheck":
                items.append({kind: _without_condition(inner)})
        # a token of its own: the original's token with other items is refused as another request under it
        others = {k: v for k, v in params.items() if k != "ClientRequestToken"}
        return {**others, "TransactItems": items}
    return params


class _Replayer:
    def __init__(self, endpoint: str) -> None:
        self._endpoint = endpoint
        self._clients: dict[str, Any] = {}
        self.failures: list[str] = []

    def _make(self, service: str) -> Any:
        import boto3

        return boto3.client(service, region_name="eu-north-1", endpoint_url=self._endpoint, **CREDENTIALS)

    def replay(self, calls: list[Call]) -> float:
        from botocore.exceptions import ClientError

        prepared = []
        for call in calls:
            if call.service not in self._clients:
                self._clients[call.service] = self._make(call.service)
            prepared.append((self._clients[call.service], call.operation, replayable(call)))
        t0 = time.perf_counter()
        for client, operation, params in prepared:
            try:
                client._make_api_call(operation, params)
            except ClientError as error:
                self.failures.append(f"{operation}: {error.response['Error']['Code']}")
        return (time.perf_counter() - t0) * 1000


def _twin_environment(stack: RunningStack, endpoint: str) -> dict[str, str]:
    import boto3

    sns = boto3.client("sns", region_name="eu-north-1", endpoint_url=endpoint, **CREDENTIALS)
    topic = next(t["TopicArn"] for t in sns.list_topics()["Topics"] if t["TopicArn"].endswith("jonkoping-events"))
    return {
        "NARA_TENANT": "jonkoping",
        "NARA_STAGE": "local",
        "AWS_REGION": "eu-north-1",
        "AWS_DEFAULT_REGION": "eu-north-1",
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "NARA_TABLE": "nara-jonkoping-main",
        "NARA_AUDIT_TABLE": "nara-jonkoping-audit",
        "NARA_EVENTS_TOPIC_ARN": topic,
        "NARA_AWS_ENDPOINT": endpoint,
        "NARA_WS_ENDPOINT": stack.origin,
        "NARA_SESSION_KEY": "bench-overhead-twin-session-key-of-48-characters",
        "NARA_PATIENT_KEY": "bench-overhead-twin-patient-key",
        "POWERTOOLS_METRICS_DISABLED": "true",
        "POWERTOOLS_LOG_LEVEL": "ERROR",
    }


def run(rounds: int | None = None) -> dict[str, tuple[float, float, int, float]]:
    """Per action: (median ms through the stack, median ms of its calls replayed, samples, median calls)."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    rounds = ROUNDS if rounds is None else rounds
    through: dict[str, list[float]] = defaultdict(list)
    raw: dict[str, list[float]] = defaultdict(list)
    counts: dict[str, list[int]] = defaultdict(list)
    with tempfile.TemporaryDirectory() as tmp:
        stack = start_stack(Path(tmp))
        saved = dict(os.environ)
        try:
            endpoint = _embedded_aws(stack)
            tokens = {"citizen": stack.login("citizen", CITIZEN), "nurse": stack.login("staff", NURSE)}
            http = httpx.Client(base_url=f"{stack.origin}/api", timeout=60)

            def over_http(action: str, method: str, path: str, who: str, body: Any, headers: Any) -> Any:
                sent = {"Authorization": f"Bearer {tokens[who]}", **(headers or {})}
                t0 = time.perf_counter()
                response = http.request(method, path, json=body, headers=sent)
                elapsed = (time.perf_counter() - t0) * 1000
                if response.status_code >= 400:
                    raise RuntimeError(f"{action}: {method} {path} answered {response.status_code}: {response.text}")
                if record:
                    through[action].append(elapsed)
                return response.json()

            os.environ.update(_twin_environment(stack, endpoint))
            from chalice.test import Client

            import app as app_module
            from chalicelib import bootstrap
            from chalicelib.domain.identity import patient_ref
            from chalicelib.domain.model import Principal, PrincipalKind, UnitRole

            bootstrap.settings.cache_clear()
            bootstrap.container.cache_clear()
            container = bootstrap.container()
            key = container.settings.patient_key.encode()
            people = {
                "citizen": Principal(
                    "jonkoping", PrincipalKind.CITIZEN, patient_ref(CITIZEN, key), "Tolvan", "bankid", "loa3"
                ),
                "nurse": Principal(
                    "jonkoping",
                    PrincipalKind.STAFF,
                    NURSE,
                    "Sjuksköterska",
                    "siths",
                    "loa3",
                    (UnitRole(HUSKVARNA, "nurse"),),
                ),
            }
            twin_tokens = {who: str(container.sessions.open(p)) for who, p in people.items()}
            replayer = _Replayer(endpoint)
            with recording() as recorder, Client(app_module.app) as client, contextlib.redirect_stdout(io.StringIO()):
                recorder.item_sizes = False  # only the calls themselves are replayed here

                def in_process(action: str, method: str, path: str, who: str, body: Any, headers: Any) -> Any:
                    import json

                    sent = {"Authorization": f"Bearer {twin_tokens[who]}", **(headers or {})}
                    payload = json.dumps(body).encode() if body is not None else b""
                    if payload:
                        sent["Content-Type"] = "application/json"
                    recorder.take()
                    response = client.http.request(method, path, headers=sent, body=payload)
                    calls = recorder.take()
                    if response.status_code >= 400:
                        raise RuntimeError(f"twin {action}: {method} {path}: {response.status_code} {response.body!r}")
                    # replayed at once, while the stack's event pump works on the events of the action just done,
                    # as it does while the next action runs over HTTP
                    replayed = replayer.replay(calls)
                    if record:
                        raw[action].append(replayed)
                        counts[action].append(len(calls))
                    return json.loads(response.body)

                for i in range(rounds + 1):
                    record = i > 0  # the first round warms both up
                    round_(over_http, HUSKVARNA, f"http {i}")
                    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
                        warnings.simplefilter("ignore")  # Powertools' metrics of the in-process requests
                        round_(in_process, HUSKVARNA, f"twin {i}")
            if replayer.failures:
                print(f"  ({len(replayer.failures)} replayed calls failed: {sorted(set(replayer.failures))[:5]})")
        finally:
            os.environ.clear()
            os.environ.update(saved)
            stack.stop()
    return {
        a: (statistics.median(through[a]), statistics.median(raw[a]), len(through[a]), statistics.median(counts[a]))
        for a in ACTIONS
    }


def main() -> None:
    result = run()
    print(f"Application overhead through the local stack ({ROUNDS} rounds; medians; replay = the action's own AWS")
    print("calls with boto3 against the same embedded AWS)")
    for action, (http_ms, raw_ms, n, calls) in result.items():
        ratio = http_ms / raw_ms
        print(
            f"  {action:26s} {http_ms:7.1f} ms  replay {raw_ms:6.1f} ms  ratio {ratio:5.2f}  "
            f"target ≤ {TARGET_RATIO}  ratio to target {ratio / TARGET_RATIO:.2f}  (n={n}, {calls:.0f} calls)"
        )
    total_http = sum(h for h, _, _, _ in result.values())
    total_raw = sum(r for _, r, _, _ in result.values())
    print(
        f"  {'all actions (sum of medians)':26s} {total_http:7.1f} ms  replay {total_raw:6.1f} ms  "
        f"ratio {total_http / total_raw:5.2f}  ratio to target {total_http / total_raw / TARGET_RATIO:.2f}"
    )


if __name__ == "__main__":
    main()
