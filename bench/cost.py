"""Cost per case: the AWS calls, item sizes and invocation durations counted by ``bench.calls`` (a self-care case,
and a chat case with 20 messages), times AWS's published on-demand prices for eu-north-1 (Stockholm).

PRICES below are AWS's list prices for eu-north-1 as published on the services' pricing pages, as known on
2026-11-26 (DynamoDB on-demand after its November 2024 price reduction). They were not fetched by this program:
check them on https://aws.amazon.com/pricing/ before relying on the figures; they live in this one table.

What is counted (docs/benchmarks.md): DynamoDB write/read request units from each item's size (1 WRU per started
KB written, 2 in a transaction; 1 RRU per started 4 KB strongly consistent, ½ eventually consistent, 2 in a
transaction); one Lambda request per API request and per event batch (stream or queue), each billed for its
measured duration in this process (rounded up to the ms) at the functions' 512 MB; one API Gateway REST request
per API request; SNS publishes (each message one request; deliveries to SQS are free); the SQS requests of
Lambda's polling per batch received (a receive and a delete); WebSocket messages and connection minutes by the
assumptions in ``WEBSOCKET``. Not counted: storage (a case's items are a few KB, about $0.0000003 a month), the
login (once per visit, not per case), CloudWatch logs, data transfer, and S3 (no photo in these cases:
a photo would add one PUT and a few GETs, under $0.00001).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from bench import calls

PRICES_DATE = "2026-11-26"
PRICES = {  # USD, eu-north-1
    "dynamodb_write_per_million": 0.6675,  # on-demand write request units
    "dynamodb_read_per_million": 0.1335,  # on-demand read request units
    "lambda_gb_second": 0.0000166667,  # x86
    "lambda_per_million": 0.20,  # requests
    "apigw_rest_per_million": 3.50,  # REST API requests (first 333 million a month)
    "apigw_ws_message_per_million": 1.00,  # WebSocket messages (first billion), per 32 KB
    "apigw_ws_minutes_per_million": 0.25,  # WebSocket connection minutes
    "sns_per_million": 0.50,  # publishes (per 64 KB)
    "sqs_per_million": 0.40,  # standard queue requests (per 64 KB)
}
LAMBDA_GB = 0.5
# A chat case: each message is pushed to both sides' open page; claim and close are pushed to the citizen and the
# unit's staff screens (assumed 3); the citizen's and the nurse's pages are connected for 30 minutes each.
WEBSOCKET = {"pushes_per_message": 2, "pushes_per_status_change": 4, "connection_minutes": 60}


@dataclass
class Bill:
    dynamodb_wru: float = 0.0
    dynamodb_rru: float = 0.0
    lambda_requests: int = 0
    lambda_gb_s: float = 0.0
    rest_requests: int = 0
    ws_messages: int = 0
    ws_minutes: int = 0
    sns_requests: int = 0
    sqs_requests: int = 0

    def dollars(self) -> dict[str, float]:
        p = PRICES
        return {
            "DynamoDB": (
                self.dynamodb_wru * p["dynamodb_write_per_million"] + self.dynamodb_rru * p["dynamodb_read_per_million"]
            )
            / 1e6,
            "Lambda": self.lambda_gb_s * p["lambda_gb_second"] + self.lambda_requests * p["lambda_per_million"] / 1e6,
            "API Gateway REST": self.rest_requests * p["apigw_rest_per_million"] / 1e6,
            "API Gateway WebSocket": (
                self.ws_messages * p["apigw_ws_message_per_million"]
                + self.ws_minutes * p["apigw_ws_minutes_per_million"]
            )
            / 1e6,
            "SNS": self.sns_requests * p["sns_per_million"] / 1e6,
            "SQS": self.sqs_requests * p["sqs_per_million"] / 1e6,
        }


def _gb_s(seconds: float) -> float:
    return math.ceil(seconds * 1000) / 1000 * LAMBDA_GB


def bill(scenario: calls.Scenario, *, chat: bool) -> Bill:
    b = Bill()
    for action in scenario.actions:
        for call in action.api + action.events:
            if call.source == "esm":
                if call.service == "sqs" and call.operation == "DeleteMessageBatch":
                    b.sqs_requests += 2  # the receive that got the batch, and this delete
                continue
            b.dynamodb_wru += call.write_units
            b.dynamodb_rru += call.read_units
            if call.service == "sns":
                b.sns_requests += len(call.params.get("PublishBatchRequestEntries", [])) or 1
        b.rest_requests += 1
        b.lambda_requests += 1 + len(action.invocations)
        b.lambda_gb_s += _gb_s(action.seconds) + sum(_gb_s(s) for _, s in action.invocations)
    if chat:
        messages = len(scenario.of("post message"))
        status_changes = len(scenario.of("claim")) + len(scenario.of("close"))
        b.ws_messages = (
            messages * WEBSOCKET["pushes_per_message"] + status_changes * WEBSOCKET["pushes_per_status_change"]
        )
        b.ws_minutes = WEBSOCKET["connection_minutes"]
    return b


def run() -> dict[str, Bill]:
    self_care, chat, _ = calls.scenarios()  # the run bench.calls printed (20 messages in the chat case)
    return {"triaged self-care case": bill(self_care, chat=False), "chat case, 20 messages": bill(chat, chat=True)}


def main() -> None:
    bills = run()
    print(f"Cost per case, eu-north-1 on-demand list prices of {PRICES_DATE} (USD; see the module for each price)")
    for name, b in bills.items():
        dollars = b.dollars()
        total = sum(dollars.values())
        print(f"  {name}: ${total:.6f}  (${total * 1000:.3f} per 1,000 cases)")
        print(
            f"    {b.rest_requests} API requests, {b.lambda_requests} Lambda invocations ({b.lambda_gb_s:.2f} GB-s), "
            f"{b.dynamodb_wru:.0f} WRU, {b.dynamodb_rru:.1f} RRU, {b.sns_requests} SNS, {b.sqs_requests} SQS, "
            f"{b.ws_messages} WebSocket messages, {b.ws_minutes} connection minutes"
        )
        print("    " + ", ".join(f"{k} ${v:.6f} ({v / total:.0%})" for k, v in dollars.items() if v))


if __name__ == "__main__":
    main()
