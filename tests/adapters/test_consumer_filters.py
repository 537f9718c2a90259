"""The events topic gives each consumer's queue only the event types its consumer handles (a filter policy per
subscription, ``infrastructure.definitions.CONSUMED_EVENTS``): a chat message wakes neither the alerts nor the
referral consumer. The filters must say exactly what the handlers act on — a type a handler acts on but its filter
leaves out would never reach it."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib.adapters.queues import SnsEventPublisher
from chalicelib.domain.events import EVENT_TYPES, DomainEvent
from chalicelib.domain.stats import COUNTED_EVENTS
from chalicelib.services.alerts import ENTERS_QUEUE
from chalicelib.services.notify import NOTICE_OF_EVENT
from infrastructure.definitions import CONSUMED_EVENTS, CONSUMERS
from tests.conftest import TEST_TENANT


def test_every_consumer_has_a_filter_entry_naming_only_known_event_types() -> None:
    assert set(CONSUMED_EVENTS) == set(CONSUMERS)
    for types in CONSUMED_EVENTS.values():
        assert types is None or (set(types) <= set(EVENT_TYPES) and len(set(types)) == len(types))


def test_each_filter_is_exactly_what_its_handler_acts_on() -> None:
    assert set(CONSUMED_EVENTS["notify"] or ()) == set(NOTICE_OF_EVENT)
    assert set(CONSUMED_EVENTS["alerts"] or ()) == set(ENTERS_QUEUE)
    assert set(CONSUMED_EVENTS["stats"] or ()) == set(COUNTED_EVENTS)
    assert CONSUMED_EVENTS["timeline"] is None  # the timeline shows every event


def _event(event_type: str, **data: Any) -> DomainEvent:
    return DomainEvent(f"e-{event_type}", event_type, TEST_TENANT, "case-1", "2026-11-26T10:00:00+00:00", data)


def test_the_referral_consumer_acts_on_its_filters_types(container: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    service = container.interregion
    acted: list[str] = []
    monkeypatch.setattr(service, "deliver", lambda case_id, referral_id: acted.append("deliver"))
    monkeypatch.setattr(service, "answer_back", lambda case_id, referral_id: acted.append("answer_back"))
    reacts_to = set()
    for event_type in EVENT_TYPES:
        before = len(acted)
        service.on_event(_event(event_type, kind="region", direction="in", referral_id="r-1"))
        if len(acted) > before:
            reacts_to.add(event_type)
    assert reacts_to == set(CONSUMED_EVENTS["interregion"] or ())


def _received(aws: dict[str, Any], queue_name: str) -> list[str]:
    url = aws["fanout"].queue_urls[queue_name]
    types: list[str] = []
    while True:
        got = aws["sqs"].receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not got:
            return sorted(types)
        for message in got:
            types.append(json.loads(message["Body"])["type"])
            aws["sqs"].delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def test_the_topic_delivers_each_event_only_to_the_queues_whose_consumer_handles_it(aws: dict[str, Any]) -> None:
    publisher = SnsEventPublisher(topic_arn=aws["fanout"].topic_arn, region="eu-north-1", endpoint=None)
    publisher.publish([_event(t) for t in EVENT_TYPES])
    for queue in aws["resources"].queues:
        wanted = CONSUMED_EVENTS[queue.consumer]
        assert _received(aws, queue.name) == sorted(EVENT_TYPES if wanted is None else wanted), queue.consumer
    # a chat message reaches the timeline, the notices and the statistics — not the alerts nor the referrals
    publisher.publish([_event("MessagePosted")])
    reached = {q.consumer for q in aws["resources"].queues if _received(aws, q.name)}
    assert reached == {"timeline", "notify", "stats"}
