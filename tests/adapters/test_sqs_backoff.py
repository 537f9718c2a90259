"""The backoff of a consumer's failed events against SQS over HTTP (the embedded AWS of the local stack): a failed
message's next delivery comes later each time, its last attempt still ends in the DLQ, and SQS refusing the change
never replaces the consumer's own error."""

from __future__ import annotations

import itertools
import json
import time
import uuid
from typing import Any

import pytest

from chalicelib.adapters.queues import RetryBackoff
from infrastructure.local.embedded_aws import REGION


def _queue(sqs: Any, *, visibility: int, max_receives: int) -> tuple[str, str, str]:
    """A queue with its DLQ, as the data stack makes a consumer's: (url, arn, dlq url)."""
    name = f"backoff-{uuid.uuid4().hex[:8]}"
    dlq_url = sqs.create_queue(QueueName=f"{name}-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    redrive = {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(max_receives)}
    url = sqs.create_queue(
        QueueName=name, Attributes={"VisibilityTimeout": str(visibility), "RedrivePolicy": json.dumps(redrive)}
    )["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn, dlq_url


def _record(message: dict[str, Any], arn: str) -> dict[str, Any]:
    """The message as Lambda's SQS event source (and the local stack's event pump) gives it to the consumer."""
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": message["Attributes"],
        "eventSource": "aws:sqs",
        "eventSourceARN": arn,
        "awsRegion": REGION,
    }


def _receive(sqs: Any, url: str, timeout: float = 30.0) -> dict[str, Any] | None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = sqs.receive_message(QueueUrl=url, AttributeNames=["All"], MaxNumberOfMessages=1).get("Messages", [])
        if found:
            return dict(found[0])
        time.sleep(0.05)
    return None


def test_a_failed_message_comes_back_later_each_time_and_after_its_last_attempt_goes_to_the_dlq(
    aws_server: Any,
) -> None:
    sqs = aws_server.client("sqs")
    url, arn, dlq_url = _queue(sqs, visibility=1, max_receives=4)
    sqs.send_message(QueueUrl=url, MessageBody='{"event_id": "e1"}')
    backoff = RetryBackoff(region=REGION, endpoint=aws_server.endpoint)

    received_at: list[float] = []
    for attempt in range(1, 5):
        message = _receive(sqs, url)
        assert message is not None, f"attempt {attempt} never came"
        received_at.append(time.monotonic())
        assert message["Attributes"]["ApproximateReceiveCount"] == str(attempt)
        record = _record(message, arn)
        with pytest.raises(RuntimeError, match="consumer broken"), backoff.on_failure(record):
            raise RuntimeError("consumer broken")

    gaps = [later - earlier for earlier, later in itertools.pairwise(received_at)]
    # the queue's own second, then two, then four: later each time (without the backoff: a second each time)
    assert gaps == sorted(gaps), gaps
    for gap, planned in zip(gaps, (1, 2, 4), strict=True):
        assert planned - 0.2 <= gap <= planned + 1.5, gaps

    # the fourth was its last attempt: it was not put off, and SQS moves it to the DLQ when it comes back
    assert _receive(sqs, url, timeout=3.0) is None
    dead = _receive(sqs, dlq_url, timeout=5.0)
    assert dead is not None and dead["Body"] == '{"event_id": "e1"}'


def test_sqs_refusing_the_change_leaves_the_consumers_own_error_and_the_message_comes_back(aws_server: Any) -> None:
    sqs = aws_server.client("sqs")
    url, arn, _ = _queue(sqs, visibility=1, max_receives=5)
    sqs.send_message(QueueUrl=url, MessageBody="{}")
    first = _receive(sqs, url)
    assert first is not None
    second = _receive(sqs, url)  # the queue's own second later: its second receive, so it would be put off 2 s
    assert second is not None and second["Attributes"]["ApproximateReceiveCount"] == "2"
    backoff = RetryBackoff(region=REGION, endpoint=aws_server.endpoint)

    stale = _record(second, arn) | {"receiptHandle": "not-a-receipt-handle"}  # SQS refuses it
    with pytest.raises(ValueError, match="the consumer's own error"), backoff.on_failure(stale):
        raise ValueError("the consumer's own error")
    gone = _record(second, arn.rsplit(":", 1)[0] + ":no-such-queue")  # nor can the queue be found
    assert backoff.retry_later(gone) is None

    assert _receive(sqs, url, timeout=5.0) is not None  # back after the queue's own wait, as before the backoff
