"""Nära in this process against moto (as the API tests run it), with the event consumers driven synchronously:
every user action of the benchmarks, and the AWS calls its request and its events make.

The environment is the API tests' (region ``testregion``, units A and B); the stream and queue consumers run when
:meth:`InProcess.settle` is called, through the local stack's own event sources (``infrastructure.local.pump``),
so the calls of a request and those of the events it causes are told apart.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from bench._aws import Recorder

TENANT = "testregion"
UNIT_A = "SE-VC-A"
ENVIRONMENT = {
    "NARA_TENANT": TENANT,
    "NARA_STAGE": "test",
    "AWS_REGION": "eu-north-1",
    "AWS_DEFAULT_REGION": "eu-north-1",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "NARA_SESSION_KEY": "bench-session-key-of-at-least-32-characters",
    "NARA_PATIENT_KEY": "bench-patient-key",
    "POWERTOOLS_METRICS_DISABLED": "true",
    "POWERTOOLS_LOG_LEVEL": "ERROR",
}


class _Clients:
    """What the event pump asks of the embedded AWS, here moto in-process; its clients are marked as the event
    source mappings' own (their polls are Lambda's, not Nära's)."""

    def __init__(self, recorder: Recorder) -> None:
        self._recorder = recorder

    def client(self, service: str) -> Any:
        import boto3

        # moto in-process answers DynamoDB Streams only at its classic endpoint (botocore's endpoint rules differ)
        endpoint = "https://streams.dynamodb.eu-north-1.amazonaws.com" if service == "dynamodbstreams" else None
        made = boto3.client(service, region_name="eu-north-1", endpoint_url=endpoint)
        self._recorder.esm_clients.add(id(made))
        return made


@dataclass
class InProcess:
    client: Any  # chalice.test.Client
    container: Any
    recorder: Recorder
    sources: list[Any]
    tokens: dict[str, str] = field(default_factory=dict)
    invocations: list[tuple[str, float]] = field(default_factory=list)  # event handlers run: (name, seconds)

    def __post_init__(self) -> None:
        for source in self.sources:  # each handler call is one Lambda invocation: counted and timed
            source._handler = self._timed(source._name, source._handler)

    def _timed(self, name: str, handler: Any) -> Any:
        def invoke(event: Any, context: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return handler(event, context)
            finally:
                self.invocations.append((name, time.perf_counter() - t0))

        return invoke

    def take_invocations(self) -> list[tuple[str, float]]:
        taken, self.invocations = self.invocations, []
        return taken

    def token(self, principal: Any) -> str:
        key = f"{principal.kind}:{principal.subject}"
        if key not in self.tokens:
            self.tokens[key] = str(self.container.sessions.open(principal))
        return self.tokens[key]

    def call(
        self, method: str, path: str, who: Any, body: Any = None, headers: dict[str, str] | None = None
    ) -> tuple[int, Any]:
        sent = {"Authorization": f"Bearer {self.token(who)}", **(headers or {})}
        payload = json.dumps(body).encode() if body is not None else b""
        if payload:
            sent["Content-Type"] = "application/json"
        response = self.client.http.request(method, path, headers=sent, body=payload)
        text = response.body.decode() if response.body else ""
        return response.status_code, (json.loads(text) if text.startswith(("{", "[")) else text)

    def settle(self) -> int:
        """Deliver every stream record and queued event to its consumer, until nothing is left."""
        delivered = 0
        with self.recorder.phase("events"):
            for _ in range(20):
                busy = sum(source.poll() for source in self.sources)
                delivered += busy
                if not busy:
                    break
        return delivered


@contextmanager
def in_process(recorder: Recorder) -> Iterator[InProcess]:
    saved = dict(os.environ)
    os.environ.update(ENVIRONMENT)
    import boto3
    from moto import mock_aws

    from infrastructure.definitions import TenantResources
    from infrastructure.local import embedded_aws
    from infrastructure.local.embedded_aws import create_event_fanout

    # the local stack's own fix of moto's transactions: without it a cancelled transaction (a consumer's "already
    # counted", a race lost) leaves the stream reader on a stale shard and every later event is lost
    for name in ("transactions_as_in_dynamodb", "_keep_streams_across_rollbacks"):  # its name now, and before
        if hasattr(embedded_aws, name):
            getattr(embedded_aws, name)()
            break
    resources = TenantResources(TENANT)
    with mock_aws():
        ddb = boto3.client("dynamodb")
        stream_arn = ddb.create_table(**resources.main_table)["TableDescription"]["LatestStreamArn"]
        ddb.create_table(**resources.audit_table)
        fanout = create_event_fanout(boto3.client("sns"), boto3.client("sqs"), resources)
        s3 = boto3.client("s3")
        for bucket in resources.buckets:
            s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-north-1"})
        os.environ["NARA_EVENTS_TOPIC_ARN"] = fanout.topic_arn
        os.environ["NARA_TABLE_STREAM_ARN"] = stream_arn
        from chalice.test import Client

        from chalicelib import bootstrap

        bootstrap.settings.cache_clear()
        bootstrap.container.cache_clear()
        import app as app_module
        from infrastructure.local.pump import EventPump, QueueSource, StreamSource

        container = bootstrap.container()
        streams = {c.stream_arn: stream_arn for c in app_module.app.event_sources if hasattr(c, "stream_arn")}
        pump = EventPump.for_app(
            app_module, aws=_Clients(recorder), region="eu-north-1", stream_arns=streams, queue_urls=fanout.queue_urls
        )
        sources = [s for s in pump._sources if isinstance(s, StreamSource | QueueSource)]  # schedules: not here
        container.directory.put_unit(TENANT, UNIT_A, "Vårdcentralen A", {"professions": ["nurse", "doctor"]})
        try:
            with Client(app_module.app) as client:
                yield InProcess(client, container, recorder, sources)
        finally:
            bootstrap.settings.cache_clear()
            bootstrap.container.cache_clear()
            os.environ.clear()
            os.environ.update(saved)
