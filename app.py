"""Nära's Chalice application: wiring only. Routes live in chalicelib/api; use cases in chalicelib/services."""

from __future__ import annotations

import contextlib
import json
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from chalice.app import (
    Chalice,
    ConvertToMiddleware,
    DynamoDBEvent,
    Response,
    SQSEvent,
    WebsocketDisconnectedError,
    WebsocketEvent,
)

from chalicelib import bootstrap
from chalicelib.api import http, routes
from chalicelib.domain.errors import Unauthenticated

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

settings = bootstrap.settings()
app = Chalice(app_name="nara")
app.experimental_feature_flags.update(["WEBSOCKETS"])
logger = Logger(service="nara")
metrics = Metrics(namespace="Nara", service="nara")

# Every route, from the table in chalicelib/api/routes.py: a route's module (its models and the domain modules it uses)
# is imported when one of its routes is first called, not on every cold start.
routes.register(app)

if settings.ws_endpoint:
    # Chalice derives the management endpoint from the event's API id; we configure it explicitly so that
    # app.websocket_api.send also works outside WebSocket events and against the local gateway.
    import boto3

    app.websocket_api.session = boto3.session.Session()
    app.websocket_api._endpoint = settings.ws_endpoint

app.register_middleware(ConvertToMiddleware(logger.inject_lambda_context(clear_state=True)))


app.register_middleware(ConvertToMiddleware(metrics.log_metrics))


@app.middleware("http")
def correlate(event: Any, get_response: Any) -> Response:
    headers = event.headers or {}
    logger.set_correlation_id(headers.get("x-correlation-id") or event.context.get("requestId"))
    metrics.add_metric(name="ApiRequest", unit=MetricUnit.Count, value=1)
    response: Response = http.in_api_shape(get_response(event))
    if response.status_code >= 500:
        metrics.add_metric(name="ApiServerError", unit=MetricUnit.Count, value=1)
    return response


# --- WebSocket (handlers must live in app.py: Chalice does not wrap blueprint WebSocket handlers) ---


@app.on_ws_connect()
def ws_connect(event: WebsocketEvent) -> dict[str, Any]:
    from chalicelib.services.video import TICKET_PREFIX as VIDEO_TICKET_PREFIX

    raw = event.to_dict()
    ticket = (raw.get("queryStringParameters") or {}).get("ticket")
    try:
        if ticket and ticket.startswith(VIDEO_TICKET_PREFIX):  # an interpreter's: this one meeting only
            bootstrap.container().video.connect_interpreter(event.connection_id, ticket)
        else:
            bootstrap.container().realtime.connect(event.connection_id, ticket)
    except Unauthenticated:
        return {"statusCode": 401}
    return {"statusCode": 200}


@app.on_ws_message()
def ws_message(event: WebsocketEvent) -> None:
    try:
        body = json.loads(event.body or "{}")
    except (ValueError, RecursionError):  # not JSON, or nested too deep to be a message of ours: ignored
        body = {}
    if isinstance(body, dict) and body.get("action") == "ping":
        with contextlib.suppress(WebsocketDisconnectedError):  # the page left between its ping and the answer
            app.websocket_api.send(event.connection_id, json.dumps({"type": "pong"}))
    elif isinstance(body, dict) and body.get("action") == "signal":
        bootstrap.container().video.signal(event.connection_id, body, size=len(event.body or ""))


@app.on_ws_disconnect()
def ws_disconnect(event: WebsocketEvent) -> None:
    bootstrap.container().realtime.disconnect(event.connection_id)


# --- Events ---


@app.on_dynamodb_record(stream_arn=settings.table_stream_arn, batch_size=100, starting_position="TRIM_HORIZON")
def on_table_change(event: DynamoDBEvent) -> None:
    records = event.to_dict().get("Records", [])
    bootstrap.container().events.on_stream_records(records)


@app.schedule("rate(1 hour)")
def keep_slots_ready(event: Any) -> None:
    """Bookable slots for the coming weeks follow each unit's availability and exceptions: missing ones are created,
    free ones the schedule no longer gives are removed or updated, booked ones are never touched."""
    bootstrap.container().booking.materialise(settings.tenant)


@app.schedule("rate(15 minutes)")
def send_held_notices(event: Any) -> None:
    """SMS held by quiet hours go out once they are over."""
    bootstrap.container().notify.send_deferred(settings.tenant)


@app.schedule("rate(15 minutes)")
def mark_booking_reminders(event: Any) -> None:
    """Bookings starting within 24 h get their reminder marked once: an AppointmentReminderDue event each."""
    bootstrap.container().booking.reminders_due(settings.tenant)


# Each consumer of domain events reads its own queue (subscribed to the events topic; docs/events.md), handles each
# event once (idempotent by event id) and reports partial batch failures: a failed event comes back later each time
# (backoff from the queue's visibility timeout) and, after its last attempt, waits in the consumer's DLQ for
# `make replay-dlq`.


def _consume(consumer: str, event: SQSEvent) -> dict[str, Any]:
    # Powertools' batch utilities (asyncio among them) load in the consumers' Lambda only, not in the API's.
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

    from chalicelib.adapters.queues import retry_backoff

    consumers = bootstrap.consumers(bootstrap.container())
    backoff = retry_backoff(bootstrap.settings().region, bootstrap.settings().aws_endpoint)

    def record_handler(record: SQSRecord) -> None:
        with backoff.on_failure(record.raw_event):  # a failed event comes back later each time (docs/events.md)
            consumers.handle(consumer, json.loads(record.body), event.context)

    processor = BatchProcessor(event_type=EventType.SQS)
    response = process_partial_response(event=event.to_dict(), record_handler=record_handler, processor=processor)
    return dict(response)


@app.on_sqs_message(queue=settings.queue_of("timeline"), batch_size=10)
def on_event_for_timeline(event: SQSEvent) -> dict[str, Any]:
    """The case's timeline shows what happened."""
    return _consume("timeline", event)


@app.on_sqs_message(queue=settings.queue_of("notify"), batch_size=10)
def on_event_for_notify(event: SQSEvent) -> dict[str, Any]:
    """Notices to the citizen by SMS and e-mail (no health data)."""
    return _consume("notify", event)


@app.on_sqs_message(queue=settings.queue_of("alerts"), batch_size=10)
def on_event_for_alerts(event: SQSEvent) -> dict[str, Any]:
    """A new P1 or P2 case alerts the connected staff of its unit and profession."""
    return _consume("alerts", event)


@app.on_sqs_message(queue=settings.queue_of("stats"), batch_size=10)
def on_event_for_stats(event: SQSEvent) -> dict[str, Any]:
    """The unit's statistics counters (docs/statistics.md), each event counted once."""
    return _consume("stats", event)


@app.on_sqs_message(queue=settings.queue_of("interregion"), batch_size=10)
def on_event_for_interregion(event: SQSEvent) -> dict[str, Any]:
    """A referral to another region is sent there; the answer to one from another region is sent back."""
    return _consume("interregion", event)


@app.schedule("rate(1 minute)")
def escalate_overdue_cases(event: Any) -> None:
    """Queued cases past their deadline are escalated to their unit's coordinators, each once."""
    services = bootstrap.container()
    services.alerts.escalate_overdue(services.settings.tenant)


@app.schedule("rate(5 minutes)")
def offer_overflow(event: Any) -> None:
    """Queued cases near their deadline that nobody at their unit has taken are offered to one partner unit each."""
    services = bootstrap.container()
    services.overflow.offer_near_deadline(services.settings.tenant)
