"""Statistics and triage quality over the API, with counters kept by the ``stats`` consumer of real domain events:
the table's stream → the stream handler's events → the events topic → the consumer's queue → ``on_event_for_stats``
(an SQS batch through Chalice's test client, as Lambda delivers it). A redelivered event changes nothing, the share
within the deadline is computed right, the CSV parses back, the review of overridden cases is logged, and only the
unit's administrators read any of it."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from typing import Any

import boto3
import pytest
from botocore.client import BaseClient

from chalicelib import bootstrap
from chalicelib.domain.events import DomainEvent
from chalicelib.domain.model import Principal
from chalicelib.domain.stats import SWEDISH_TIME
from tests.api.conftest import UNIT_A, UNIT_B, Api, citizen, send_case, staff

TENANT = "testregion"
ANNA = citizen("191212121212", "Anna")
BERTIL = citizen("199001012385", "Bertil")
CESAR = citizen("198505059876", "Cesar")
NURSE_A = staff("SE-S1", (UNIT_A, "nurse"), name="Sjuksköterska A")
NURSE_B = staff("SE-S3", (UNIT_B, "nurse"))
ADMIN_A = staff("SE-ADM-1", (UNIT_A, "admin"), name="Johan Ek")
CLOSE = {"outcome": "advice_given", "summary": "Råd om egenvård."}


class EventFlow:
    """Domain events as they travel in AWS, driven by hand: the main table's stream is read from where it was left,
    the stream handler publishes the events to the topic, and the ``stats`` queue's messages are delivered to the
    consumer's Lambda handler as one SQS batch each."""

    def __init__(self, api: Api) -> None:
        self.api = api
        settings = api.container.settings
        # moto in-process answers DynamoDB Streams only at its classic endpoint (botocore's endpoint rules differ)
        endpoint = f"https://streams.dynamodb.{settings.region}.amazonaws.com"
        self.streams = boto3.client("dynamodbstreams", region_name=settings.region, endpoint_url=endpoint)
        self.sqs = boto3.client("sqs", region_name=settings.region)
        table = boto3.client("dynamodb", region_name=settings.region).describe_table(TableName=settings.table_name)
        arn = table["Table"]["LatestStreamArn"]
        shards = self.streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
        self.iterators = {
            s["ShardId"]: self.streams.get_shard_iterator(
                StreamArn=arn, ShardId=s["ShardId"], ShardIteratorType="TRIM_HORIZON"
            )["ShardIterator"]
            for s in shards
        }
        self.queue_name = settings.queue_of("stats")
        self.queue = self.sqs.get_queue_url(QueueName=self.queue_name)["QueueUrl"]

    def flow(self) -> list[str]:
        """Everything stored since the last flow becomes events; the stats consumer gets them. Returns the bodies."""
        records: list[dict[str, Any]] = []
        for shard, iterator in self.iterators.items():
            while True:
                page = self.streams.get_records(ShardIterator=iterator)
                records.extend(page["Records"])
                iterator = page["NextShardIterator"]
                if not page["Records"]:
                    break
            self.iterators[shard] = iterator
        self.api.container.events.on_stream_records(records)  # what on_table_change does with the batch
        bodies: list[str] = []
        while True:
            got = self.sqs.receive_message(QueueUrl=self.queue, MaxNumberOfMessages=10).get("Messages", [])
            if not got:
                break
            for message in got:
                bodies.append(message["Body"])
                self.sqs.delete_message(QueueUrl=self.queue, ReceiptHandle=message["ReceiptHandle"])
        if bodies:
            self.deliver(bodies)
        return bodies

    def deliver(self, bodies: list[str]) -> None:
        for start in range(0, len(bodies), 10):
            batch = self.api.client.events.generate_sqs_event(
                message_bodies=bodies[start : start + 10], queue_name=self.queue_name
            )
            response = self.api.client.lambda_.invoke("on_event_for_stats", batch)
            assert response.payload == {"batchItemFailures": []}, response.payload


def flow_events(api: Api) -> list[str]:
    """Every stored change so far, through the events path to the ``stats`` consumer (for other tests too)."""
    return EventFlow(api).flow()


@pytest.fixture
def events(api: Api) -> EventFlow:
    for who in (NURSE_A, NURSE_B, ADMIN_A):
        roles = [{"unit_id": r.unit_id, "role": r.role} for r in who.roles]
        api.container.directory.put_staff(TENANT, who.subject, who.display_name, roles)
    return EventFlow(api)


def _self_care_case(api: Api, who: Principal, key: str) -> str:
    """A cold triaged to self-care advice, sent without asking for contact."""
    return str(send_case(api, who, key=key, reason="Förkyld", free_text="", choose_contact=False)["case_id"])


def _ok(api: Api, method: str, path: str, who: Principal, body: Any = None, **kw: Any) -> Any:
    status, answer = api.call(method, path, who=who, body=body, **kw)
    assert status in (200, 201), (path, status, answer)
    return answer


def _statistics(api: Api, who: Principal = ADMIN_A, unit: str = UNIT_A) -> tuple[int, Any]:
    return api.call("GET", f"/staff/units/{unit}/statistics", who=who)


def _a_day_at_the_unit(api: Api, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Anna chose contact at once and is answered in time, her case's priority raised, then closed; Bertil was
    advised self-care and asked for contact later, and is answered after his deadline; Cesar took the advice."""
    anna = str(send_case(api, ANNA, key="case-key-anna")["case_id"])
    bertil = _self_care_case(api, BERTIL, "case-key-bertil")
    _self_care_case(api, CESAR, "case-key-cesar")
    _ok(api, "POST", f"/citizen/cases/{bertil}/contact", BERTIL, headers={"Idempotency-Key": "contact-bertil"})

    _ok(api, "POST", f"/staff/cases/{anna}/claim", NURSE_A)
    _ok(api, "POST", f"/cases/{anna}/messages", NURSE_A, {"text": "Hej Anna!", "client_id": "m-1"})
    _ok(api, "POST", f"/cases/{anna}/messages", NURSE_A, {"text": "Hur mår du?", "client_id": "m-2"})  # not first
    reason = "Andfådd när vi chattade: bör bedömas i dag"
    _ok(api, "POST", f"/staff/cases/{anna}/override", NURSE_A, {"priority": "P3", "reason": reason})
    _ok(api, "POST", f"/staff/cases/{anna}/close", NURSE_A, CLOSE)

    # Bertil's P5 deadline is 30 days away: his first answer comes a day after it
    late = bootstrap.utc_now() + timedelta(days=31)
    monkeypatch.setattr(api.container.chat, "_clock", lambda: late)
    _ok(api, "POST", f"/staff/cases/{bertil}/claim", NURSE_A)
    _ok(api, "POST", f"/cases/{bertil}/messages", NURSE_A, {"text": "Hej Bertil!", "client_id": "m-3"})
    monkeypatch.setattr(api.container.chat, "_clock", bootstrap.utc_now)
    return {"anna": anna, "bertil": bertil, "reason": reason}


def test_counters_follow_the_events_and_a_redelivered_event_changes_nothing(
    api: Api, events: EventFlow, monkeypatch: pytest.MonkeyPatch
) -> None:
    _a_day_at_the_unit(api, monkeypatch)
    delivered = events.flow()
    assert delivered, "the events reached the stats queue"

    status, stats = _statistics(api)
    assert status == 200, stats
    totals = stats["totals"]
    assert totals["cases"] == 3
    assert totals["self_care_advised"] == 3  # Anna and Bertil chose contact (one at once, one later), Cesar did not
    assert totals["contact_anyway"] == 2 and totals["share_contact_anyway"] == round(2 / 3, 4)
    assert (totals["contacted"], totals["within_deadline"]) == (2, 1)
    assert totals["share_within_deadline"] == 0.5  # Anna in time, Bertil a day late
    assert totals["closed"]["advice_given"] == 1
    assert (totals["overrides_up"], totals["overrides_down"]) == (1, 0)
    today = bootstrap.utc_now().astimezone(SWEDISH_TIME).date().isoformat()
    assert stats["by_day"][-1]["code"] == today and stats["by_day"][-1]["figures"]["cases"] == 3
    assert len(stats["by_day"]) == 30  # the last 30 days by default, quiet days too
    by_disposition = {g["code"]: g["figures"]["cases"] for g in stats["by_disposition"]}
    assert by_disposition == {"chat": 1, "self_care": 2}
    assert {g["code"] for g in stats["by_complaint"]} == {"cold"}

    # SQS delivers at least once: the same batch again, and each event straight to the consumer without the
    # idempotency layer in front of it — the counters' own markers keep every count exactly once
    events.deliver(delivered)
    for body in delivered:
        assert api.container.stats.on_event(DomainEvent.from_dict(json.loads(body))) is False
    assert _statistics(api)[1] == stats


def test_the_csv_export_parses_back_to_the_same_numbers(
    api: Api, events: EventFlow, monkeypatch: pytest.MonkeyPatch
) -> None:
    _a_day_at_the_unit(api, monkeypatch)
    events.flow()
    response = api.client.http.get(
        f"/staff/units/{UNIT_A}/statistics.csv", headers={"Authorization": f"Bearer {api.token(ADMIN_A)}"}
    )
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.body.decode("utf-8-sig")  # with a BOM, so Excel reads it as UTF-8
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    assert rows and list(rows[0])[:6] == ["Datum", "Enhet (HSA-id)", "Besvär (protokoll)", "Regelversion",
                                          "Prioritet", "Vårdnivå"]  # fmt: skip
    assert sum(int(r["Ärenden"]) for r in rows) == 3
    assert sum(int(r["Första kontakt"]) for r in rows) == 2
    assert sum(int(r["Första kontakt inom tidsgräns"]) for r in rows) == 1
    assert sum(int(r["Ändrad prioritet uppåt"]) for r in rows) == 1
    assert {r["Enhet (HSA-id)"] for r in rows} == {UNIT_A}
    contacted = [r for r in rows if r["Första kontakt"] != "0"]
    assert contacted
    for r in contacted:  # a decimal comma, for Excel in Swedish
        share = int(r["Första kontakt inom tidsgräns"]) / int(r["Första kontakt"]) * 100
        assert r["Andel inom tidsgräns (%)"] == f"{share:.1f}".replace(".", ",")
    assert all(r["Andel inom tidsgräns (%)"] == "" for r in rows if r["Första kontakt"] == "0")


def test_reading_the_statistics_reads_the_counters_and_never_a_case(
    api: Api, events: EventFlow, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The figures come from the counters the stats consumer keeps: reading them, or the CSV, is a few Queries of the
    unit's counter partitions — never a Scan, and no case item (a region with years of cases reads as fast)."""
    _a_day_at_the_unit(api, monkeypatch)
    events.flow()
    calls: list[tuple[str, str]] = []
    original = BaseClient._make_api_call

    def recorded(client: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        calls.append((operation, json.dumps(params, default=str)))
        return original(client, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", recorded)
    status, stats = _statistics(api)
    assert status == 200 and stats["totals"]["cases"] == 3
    response = api.client.http.get(
        f"/staff/units/{UNIT_A}/statistics.csv", headers={"Authorization": f"Bearer {api.token(ADMIN_A)}"}
    )
    assert response.status_code == 200

    operations = {operation for operation, _ in calls}
    assert "Scan" not in operations and operations <= {"Query", "GetItem", "PutItem", "UpdateItem"}, operations
    assert not [params for _, params in calls if "#CASE#" in params], "a statistics read touched a case"
    counters = [params for operation, params in calls if operation == "Query" and f"#STATS#{UNIT_A}#" in params]
    assert counters, calls  # the counters were read


def test_triage_quality_lists_the_overridden_case_with_its_reason_and_logs_the_review(
    api: Api, events: EventFlow, monkeypatch: pytest.MonkeyPatch
) -> None:
    day = _a_day_at_the_unit(api, monkeypatch)
    bertil = f"/staff/cases/{day['bertil']}/override"
    _ok(api, "POST", bertil, NURSE_A, {"priority": "P3", "reason": "Feber sedan en vecka"})
    _ok(api, "POST", bertil, NURSE_A, {"priority": "P4", "reason": "Feberfri i dag, kan vänta"})
    events.flow()
    before = [r for r in api.container.audit_log.of_patient(TENANT, ANNA.subject) if r["action"] == "review_override"]
    assert before == []

    status, quality = api.call("GET", f"/staff/units/{UNIT_A}/triage-quality", who=ADMIN_A)
    assert status == 200, quality
    [ruleset] = quality["rulesets"]
    assert ruleset["complaint"] == "cold" and ruleset["ruleset"].startswith("cold@")
    assert (ruleset["cases"], ruleset["overrides_up"], ruleset["overrides_down"]) == (3, 2, 1)
    assert ruleset["share_overridden"] == 1.0  # three changes to three cases' triage
    assert ruleset["priorities"] == {"P5": 1, "none": 2}
    assert sorted(o["case_id"] for o in quality["overrides"]) == sorted([day["anna"], day["bertil"], day["bertil"]])
    [override] = [o for o in quality["overrides"] if o["case_id"] == day["anna"]]
    assert (override["from_priority"], override["to_priority"], override["direction"]) == ("P5", "P3", "up")
    assert override["reason"] == day["reason"] and override["by_name"] == "Sjuksköterska A"

    records = [r for r in api.container.audit_log.of_patient(TENANT, ANNA.subject) if r["action"] == "review_override"]
    assert [(r["actor"], r["ground"], r["unit_id"], r["case_id"]) for r in records] == [
        (ADMIN_A.subject, "review", UNIT_A, day["anna"])
    ]
    status, extract = api.call("GET", "/citizen/access-log", who=ANNA)
    assert "granskade en ändrad bedömning i ditt ärende" in [e["action_text"]["sv"] for e in extract["entries"]]
    # Bertil's case, changed twice, is one case shown: one record; Cesar's case is not shown and not logged
    reviews = [
        r for r in api.container.audit_log.of_patient(TENANT, BERTIL.subject) if r["action"] == "review_override"
    ]
    assert [r["case_id"] for r in reviews] == [day["bertil"]]
    assert not [
        r for r in api.container.audit_log.of_patient(TENANT, CESAR.subject) if r["action"] == "review_override"
    ]


def test_only_the_units_administrators_read_its_statistics(api: Api, events: EventFlow) -> None:
    for path in ("statistics", "statistics.csv", "triage-quality"):
        assert api.call("GET", f"/staff/units/{UNIT_A}/{path}", who=NURSE_A)[0] == 403, path  # at the unit
        assert api.call("GET", f"/staff/units/{UNIT_A}/{path}", who=NURSE_B)[0] == 404, path  # another unit
        assert api.call("GET", f"/staff/units/{UNIT_B}/{path}", who=ADMIN_A)[0] == 404, path  # not her unit
        assert api.call("GET", f"/staff/units/{UNIT_A}/{path}", who=ANNA)[0] == 403, path  # a citizen
        assert api.call("GET", f"/staff/units/{UNIT_A}/{path}")[0] == 401, path


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("?from=2026-13-01", "from"),
        ("?to=igår", "to"),
        ("?from=2026-12-02&to=2026-12-01", "from"),
        ("?from=2024-01-01&to=2026-01-01", "from"),
    ],
)
def test_a_wrong_period_is_refused_naming_the_field(api: Api, events: EventFlow, query: str, field: str) -> None:
    status, body = api.call("GET", f"/staff/units/{UNIT_A}/statistics{query}", who=ADMIN_A)
    assert status == 422, body
    assert body["error"]["field"] == field
    assert f"({field})" in body["error"]["message_sv"]


def test_other_units_counters_are_kept_apart(api: Api, events: EventFlow) -> None:
    send_case(api, ANNA, key="case-key-a")
    send_case(api, BERTIL, key="case-key-b", unit_id=UNIT_B)
    events.flow()
    assert _statistics(api)[1]["totals"]["cases"] == 1
    admin_b = staff("SE-ADM-2", (UNIT_B, "admin"))
    assert _statistics(api, admin_b, UNIT_B)[1]["totals"]["cases"] == 1
