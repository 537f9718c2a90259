"""``python -m infrastructure.replay <consumer>``: after a fix, move a consumer's DLQ back to its queue.

The domain events a consumer could not handle (after its retries) wait in its DLQ for 14 days. Once the cause is fixed
(deployed), this moves them back to the consumer's queue, where they are handled again. Events the consumer had
already handled are skipped by its idempotency, so a replay run twice does no harm.

    python -m infrastructure.replay notify --tenant jonkoping                 # in AWS (the usual credentials)
    python -m infrastructure.replay notify --endpoint http://127.0.0.1:PORT   # the local stack's embedded AWS
    make replay-dlq CONSUMER=notify TENANT=jonkoping

The local stack prints its embedded AWS endpoint when it starts. Exit status 0 when the DLQ is empty afterwards.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

import boto3

from chalicelib.adapters.queues import redrive
from infrastructure.definitions import CONSUMERS, QueueDef, TenantResources

LOCAL_TENANT = "jonkoping"  # the demo region of the local stack (infrastructure/local/demo_region.py)
LOCAL_CREDENTIALS = {"aws_access_key_id": "local", "aws_secret_access_key": "local"}


def waiting(sqs: Any, url: str) -> int:
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
    return int(attributes["Attributes"]["ApproximateNumberOfMessages"])


def replay(sqs: Any, queue: QueueDef) -> tuple[int, int]:
    """Moves ``queue``'s DLQ back to it; returns (moved, still in the DLQ)."""
    dlq_url = sqs.get_queue_url(QueueName=queue.dlq_name)["QueueUrl"]
    queue_url = sqs.get_queue_url(QueueName=queue.name)["QueueUrl"]
    moved = redrive(sqs, dlq_url=dlq_url, queue_url=queue_url)
    return moved, waiting(sqs, dlq_url)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infrastructure.replay", description=__doc__.split("\n")[0])
    parser.add_argument("consumer", choices=CONSUMERS, help="whose DLQ to replay")
    parser.add_argument("--tenant", help=f"the region (default: {LOCAL_TENANT} with --endpoint, else required)")
    parser.add_argument("--endpoint", help="an AWS endpoint, e.g. the local stack's embedded AWS")
    parser.add_argument("--region", default="eu-north-1")
    args = parser.parse_args(argv)
    tenant = args.tenant or (LOCAL_TENANT if args.endpoint else None)
    if tenant is None:
        parser.error("--tenant is required against AWS")
    queue = TenantResources(tenant).queue_of(args.consumer)
    credentials = LOCAL_CREDENTIALS if args.endpoint else {}
    sqs = boto3.client("sqs", region_name=args.region, endpoint_url=args.endpoint, **credentials)
    moved, left = replay(sqs, queue)
    print(f"{queue.dlq_name}: moved {moved} message(s) back to {queue.name}; {left} left in the DLQ")
    return 0 if left == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
