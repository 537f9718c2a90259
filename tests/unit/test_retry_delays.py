"""A consumer's failed event comes back later each time it fails (issue 8): the delays, and what is asked of SQS."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib.adapters.queues import (
    MAX_BACKOFF_FACTOR,
    MAX_RETRY_DELAY_SECONDS,
    RetryBackoff,
    retry_delay,
    url_of_queue,
)

ARN = "arn:aws:sqs:eu-north-1:123456789012:nara-jonkoping-timeline"


def test_the_wait_doubles_after_each_failure_from_the_queues_own_wait_up_to_the_cap() -> None:
    assert [retry_delay(n, 30, 900) for n in range(1, 8)] == [30, 60, 120, 240, 480, 900, 900]
    assert [retry_delay(n, 1, 30) for n in range(1, 8)] == [1, 2, 4, 8, 16, 30, 30]
    assert retry_delay(10**9, 30, 900) == 900  # a huge receive count is just the cap, at once
    assert retry_delay(0, 30, 900) == 30  # a missing or odd count is a first failure


def test_the_longest_wait_is_a_quarter_hour_in_aws_and_stays_short_where_the_queue_is_quick() -> None:
    assert min(MAX_RETRY_DELAY_SECONDS, MAX_BACKOFF_FACTOR * 30) == 15 * 60  # AWS: RETRY_AFTER_SECONDS = 30
    assert min(MAX_RETRY_DELAY_SECONDS, MAX_BACKOFF_FACTOR * 1) == 30  # the local stack's tests: retry_after = 1


class FakeSqs:
    def __init__(self, *, visibility: int, max_receives: int | None, retention: int = 4 * 24 * 3600) -> None:
        self.attributes = {"VisibilityTimeout": str(visibility), "MessageRetentionPeriod": str(retention)}
        if max_receives is not None:
            self.attributes["RedrivePolicy"] = json.dumps({"deadLetterTargetArn": "x", "maxReceiveCount": max_receives})
        self.asked: list[str] = []
        self.changed: list[tuple[str, str, int]] = []
        self.broken = False

    def get_queue_attributes(self, *, QueueUrl: str, AttributeNames: list[str]) -> dict[str, Any]:
        self.asked.append(QueueUrl)
        return {"Attributes": dict(self.attributes)}

    def change_message_visibility(self, *, QueueUrl: str, ReceiptHandle: str, VisibilityTimeout: int) -> None:
        if self.broken:
            raise ConnectionError("SQS unreachable")
        self.changed.append((QueueUrl, ReceiptHandle, VisibilityTimeout))


class FakeSession:
    def __init__(self, sqs: FakeSqs) -> None:
        self.sqs = sqs

    def client(self, service: str, **_: Any) -> FakeSqs:
        assert service == "sqs"
        return self.sqs


def _backoff(sqs: FakeSqs) -> RetryBackoff:
    return RetryBackoff(region="eu-north-1", endpoint=None, session=FakeSession(sqs))  # type: ignore[arg-type]


def _record(receives: int, arn: str = ARN) -> dict[str, Any]:
    return {
        "messageId": f"m{receives}",
        "receiptHandle": f"handle-{receives}",
        "attributes": {"ApproximateReceiveCount": str(receives)},
        "eventSourceARN": arn,
    }


def test_each_failure_puts_the_next_delivery_off_longer_but_not_the_first_nor_the_last() -> None:
    sqs = FakeSqs(visibility=30, max_receives=5)
    backoff = _backoff(sqs)
    delays = [backoff.retry_later(_record(n)) for n in range(1, 6)]
    # the first keeps the queue's own 30 s; the fifth is the last attempt: it goes to the DLQ after 30 s, not later
    assert delays == [None, 60, 120, 240, None]
    url = "https://sqs.eu-north-1.amazonaws.com/123456789012/nara-jonkoping-timeline"
    assert sqs.changed == [(url, "handle-2", 60), (url, "handle-3", 120), (url, "handle-4", 240)]
    assert sqs.asked == [url]  # the queue's times are asked once


def test_a_quick_queue_waits_at_most_thirty_times_its_own_wait() -> None:
    backoff = _backoff(FakeSqs(visibility=1, max_receives=20))
    assert [backoff.retry_later(_record(n)) for n in (2, 5, 6, 7, 12)] == [2, 16, 30, 30, 30]


def test_every_attempt_fits_in_the_queues_retention() -> None:
    # a message hidden past its retention would be dropped unseen instead of reaching the DLQ
    backoff = _backoff(FakeSqs(visibility=30, max_receives=5, retention=600))
    assert backoff.retry_later(_record(4)) == 120  # 600 s / 5 attempts


def test_the_handlers_error_goes_on_and_is_not_replaced_when_sqs_cannot_be_reached() -> None:
    sqs = FakeSqs(visibility=30, max_receives=5)
    sqs.broken = True
    backoff = _backoff(sqs)
    with pytest.raises(ValueError, match="the consumer's own error"), backoff.on_failure(_record(2)):
        raise ValueError("the consumer's own error")
    assert backoff.retry_later(_record(3)) is None  # logged; the message comes back after the queue's own wait
    assert backoff.retry_later({"messageId": "no attributes"}) is None


def test_a_handled_record_is_left_alone() -> None:
    sqs = FakeSqs(visibility=30, max_receives=5)
    with _backoff(sqs).on_failure(_record(3)):
        pass
    assert sqs.asked == [] and sqs.changed == []


def test_the_queue_url_comes_from_the_records_queue_arn() -> None:
    assert url_of_queue(ARN, endpoint="http://127.0.0.1:5000/") == (
        "http://127.0.0.1:5000/123456789012/nara-jonkoping-timeline"
    )
    assert url_of_queue("arn:aws-cn:sqs:cn-north-1:1:q", endpoint=None) == "https://sqs.cn-north-1.amazonaws.com.cn/1/q"
    with pytest.raises(ValueError, match="not the ARN of an SQS queue"):
        url_of_queue("arn:aws:sns:eu-north-1:1:topic", endpoint=None)
