"""Domain events end to end on the embedded AWS and the event pump, as in the local stack: the table's stream, the
events topic, one queue per consumer. A consumer that keeps failing ends in its own DLQ after its retries while the
others go on; after the fix the replay command delivers the event, and a duplicate delivery changes nothing.

The queues here give a failed message back after one second (``TenantResources.retry_after``), then two, four and
eight (the backoff, docs/events.md), so the five attempts take seconds, not minutes.
"""

from __future__ import annotations

import importlib
import itertools
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

from chalicelib import bootstrap
from chalicelib.adapters.dynamo import DynamoConnections
from chalicelib.domain.events import DomainEvent
from chalicelib.domain.model import Case
from chalicelib.services.events import EventService
from infrastructure import replay
from infrastructure.definitions import MAX_RECEIVES, TenantResources
from infrastructure.local.embedded_aws import REGION, CreatedResources, EmbeddedAws
from infrastructure.local.pump import EventPump

UNIT = "SE-VC-FANOUT"
NURSE = "SE-FANOUT-N1"


def wait_for(what: str, check: Callable[[], bool], timeout: float = 30.0) -> None:
    """Polls ``check`` until it holds; fails with ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for: {what}")
        time.sleep(0.1)


class Recorder:
    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, Any]]] = []

    def push(self, connection_id: str, payload: dict[str, Any]) -> None:
        self.sent.append((connection_id, payload))


@dataclass
class Region:
    tenant: str
    aws: EmbeddedAws
    created: CreatedResources
    container: Any
    alerts: Recorder
    timeline_broken: list[bool]
    timeline_attempts: list[float]  # when the broken timeline consumer was called (time.monotonic)

    def messages(self, url: str) -> int:
        names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
        found = self.aws.client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
        return sum(int(found[n]) for n in names)

    def queue(self, consumer: str) -> str:
        return self.created.queue_urls[f"nara-{self.tenant}-{consumer}"]

    def dlq(self, consumer: str) -> str:
        return self.created.dlq_urls[f"nara-{self.tenant}-{consumer}"]

    def timeline(self, case_id: str) -> list[str]:
        return [e["type"] for e in self.container.cases._cases.timeline(self.tenant, case_id)]


@pytest.fixture
def region(
    aws_server: EmbeddedAws, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> Iterator[Region]:
    """A region of its own on the embedded AWS, the app's handlers driven by the event pump; the timeline consumer
    fails while ``timeline_broken[0]`` is true (the injected fault)."""
    tenant = "f" + str(abs(hash(request.node.nodeid)) % 10**8)
    created = aws_server.create(TenantResources(tenant, retry_after=1))
    for name, value in {
        "NARA_TENANT": tenant,
        "NARA_TABLE": created.table_name,
        "NARA_AUDIT_TABLE": created.audit_table_name,
        "NARA_EVENTS_TOPIC_ARN": created.events_topic_arn,
        "NARA_TABLE_STREAM_ARN": created.table_stream_arn,
        "NARA_AWS_ENDPOINT": aws_server.endpoint,
    }.items():
        monkeypatch.setenv(name, value)
    broken = [True]
    attempts: list[float] = []
    record = EventService.record_on_timeline

    def record_on_timeline(self: EventService, event: DomainEvent) -> bool:
        if broken[0]:
            attempts.append(time.monotonic())
            raise RuntimeError("the timeline consumer is broken (injected)")
        return record(self, event)

    monkeypatch.setattr(EventService, "record_on_timeline", record_on_timeline)
    bootstrap.settings.cache_clear()
    bootstrap.container.cache_clear()
    container = bootstrap.container()
    recorder = Recorder()
    monkeypatch.setattr(container.alerts, "_pusher", recorder)
    container.directory.put_staff(tenant, NURSE, "Sjuksköterska", [{"unit_id": UNIT, "role": "nurse"}])
    DynamoConnections().add(tenant, "c-nurse", NURSE, "staff", now=bootstrap.utc_now(), ttl_seconds=600)

    app_module = importlib.import_module("app")
    # app.py named its event sources when it was first imported (another region's names): point them at this one
    sources = app_module.app.event_sources
    queue_urls = {
        c.queue: created.queue_urls[f"nara-{tenant}-{c.queue.rsplit('-', 1)[1]}"]
        for c in sources
        if hasattr(c, "queue")
    }
    streams = {c.stream_arn: created.table_stream_arn for c in sources if hasattr(c, "stream_arn")}
    pump = EventPump.for_app(app_module, aws=aws_server, region=REGION, stream_arns=streams, queue_urls=queue_urls)
    pump.start()
    try:
        yield Region(tenant, aws_server, created, container, recorder, broken, attempts)
    finally:
        pump.stop()
        bootstrap.settings.cache_clear()
        bootstrap.container.cache_clear()


def _urgent_case(region: Region) -> Case:
    now = bootstrap.utc_now()
    case = Case.submit(
        case_id="case-fanout-1",
        tenant=region.tenant,
        unit_id=UNIT,
        patient_ref="patient-ref-1",
        reason="Bröstsmärta",
        free_text="Tryck över bröstet",
        priority="P2",
        profession="nurse",
        now=now,
        triage={"deadline": (now + timedelta(minutes=30)).isoformat()},
    )
    store = region.container.cases._cases
    return store.create(case, now=now, idempotency=("patient-ref-1", "key-fanout-1", "h", {}))  # type: ignore[no-any-return]


def test_a_failing_consumer_ends_in_its_dlq_the_others_go_on_and_the_replay_delivers_it_after_the_fix(
    region: Region, capsys: pytest.CaptureFixture[str]
) -> None:
    case = _urgent_case(region)  # stored: the stream, the topic and the three queues do the rest

    # the alerts consumer is not held up by the broken timeline consumer
    wait_for("the urgent case alerted", lambda: len(region.alerts.sent) == 1)
    assert region.alerts.sent[0][0] == "c-nurse" and region.alerts.sent[0][1]["case_id"] == case.case_id
    # the timeline consumer tried MAX_RECEIVES times, each later than the one before, then its message went to its
    # own DLQ
    wait_for("the timeline's DLQ holding the event", lambda: region.messages(region.dlq("timeline")) == 1, 60.0)
    assert len(region.timeline_attempts) == MAX_RECEIVES
    gaps = [later - earlier for earlier, later in itertools.pairwise(region.timeline_attempts)]
    assert gaps == sorted(gaps), gaps  # the queue's own second, then 2, 4 and 8 s (without the backoff: 1 s each)
    # from the second retry on, the backoff's doubling (the first gap is the queue's own second less the first
    # attempt's start-up, which the retry does not repeat: 0.6 s has been seen)
    assert all(gap >= 2**i - 0.2 for i, gap in enumerate(gaps) if i > 0), gaps
    assert region.messages(region.queue("timeline")) == 0
    assert region.timeline(case.case_id) == []
    assert region.messages(region.dlq("alerts")) == 0 and region.messages(region.dlq("notify")) == 0
    assert MAX_RECEIVES > 1  # it was retried before it was given up

    region.timeline_broken[0] = False  # the fix is deployed
    status = replay.main(["timeline", "--tenant", region.tenant, "--endpoint", region.aws.endpoint])
    assert status == 0
    assert f"nara-{region.tenant}-timeline-dlq: moved 1 message(s) back" in capsys.readouterr().out

    wait_for("the replayed event on the timeline", lambda: region.timeline(case.case_id) == ["CaseSubmitted"])
    assert region.messages(region.dlq("timeline")) == 0

    # the same event published again (SNS and SQS deliver at least once): each consumer has handled it already
    (submitted,) = region.container.cases._cases.timeline(region.tenant, case.case_id)
    event = DomainEvent(
        submitted["event_id"], "CaseSubmitted", region.tenant, case.case_id, submitted["occurred_at"], submitted["data"]
    )
    sns = region.aws.client("sns")
    sns.publish(TopicArn=region.created.events_topic_arn, Message=json.dumps(event.to_dict()))
    wait_for(
        "the duplicate consumed by every consumer",
        lambda: all(region.messages(region.queue(c)) == 0 for c in ("timeline", "notify", "alerts")),
    )
    assert len(region.alerts.sent) == 1  # not alerted twice
    assert region.timeline(case.case_id) == ["CaseSubmitted"]
