"""Writes whose answer is lost after DynamoDB made them (a timeout after the fact; botocore sends them again).

One fault at a time, on purpose, from the fault layer of the local stack (``infrastructure/local/faults.py``),
against the embedded AWS over HTTP: the call is made by the service and then its answer is lost. What a user would
notice otherwise: a 500 on a message that was stored, a login that failed although the session was opened, an event
that never reached the case's timeline. ``tests/e2e/test_faults.py`` runs the same faults at random through the
whole stack.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest

from chalicelib.adapters.dynamo import (
    AuditRecordItem,
    CaseItem,
    DynamoOverflowCapacity,
    OverflowCapacityItem,
    SessionItem,
    TimelineItem,
)
from chalicelib.domain.errors import Conflict
from chalicelib.domain.model import Case, Principal, PrincipalKind, UnitRole
from infrastructure.local.faults import FaultInjector

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


@contextmanager
def answer_lost(client: Any, operation: str, times: int = 1) -> Iterator[FaultInjector]:
    """The next ``times`` calls of ``operation`` by ``client`` are made by DynamoDB and their answers lost."""
    injector = FaultInjector(1.0, seed=1, kinds=("timed out after",), limit=times)
    event = f"before-send.dynamodb.{operation}"
    client.meta.events.register(event, injector.before_send)
    injector.enable()
    try:
        yield injector
    finally:
        client.meta.events.unregister(event, injector.before_send)


def _case(container: Any, case_id: str = "c1") -> Case:
    tenant = container.settings.tenant
    case = Case.submit(
        case_id=case_id,
        tenant=tenant,
        unit_id="u1",
        patient_ref="p1",
        reason="Halsont",
        free_text="",
        priority="P3",
        profession="nurse",
        now=NOW,
    )
    container.cases._cases.create(case, now=NOW, idempotency=("p1", f"key-{case_id}", "h", {}))
    return container.cases._cases.get(tenant, case_id)


def test_an_access_log_record_whose_answer_was_lost_is_stored_once_and_the_read_goes_on(server_container: Any) -> None:
    case = _case(server_container)
    staff = Principal(case.tenant, PrincipalKind.STAFF, "SE-S1", "Anna", "siths", "loa3", (UnitRole("u1", "nurse"),))
    client = AuditRecordItem._get_connection().connection.client
    with answer_lost(client, "PutItem") as injected:
        server_container.audit.record_case_access(staff, case, "view_case")  # was a 500, with the record stored
    assert injected.report()["injected"] == 1
    stored = [r for r in AuditRecordItem.scan() if r.case_id == case.case_id]
    assert [(r.actor, r.action) for r in stored] == [("SE-S1", "view_case")]


def test_a_session_opened_whose_answer_was_lost_is_a_login_that_worked(server_container: Any) -> None:
    tenant = server_container.settings.tenant
    citizen = Principal(tenant, PrincipalKind.CITIZEN, "p1", "Greta", "bankid", "loa3")
    client = SessionItem._get_connection().connection.client
    with answer_lost(client, "PutItem") as injected:
        token = server_container.sessions.open(citizen)  # was a failed login, with the session stored
    assert injected.report()["injected"] == 1
    assert server_container.sessions.verify(str(token)).subject == "p1"


def test_a_case_saved_at_its_version_whose_answer_was_lost_is_saved_once(server_container: Any) -> None:
    case = _case(server_container)
    cases = server_container.cases._cases
    client = CaseItem._get_connection().connection.client
    with answer_lost(client, "PutItem") as injected:
        saved = cases.save(case.claim("SE-S1", NOW, "Anna"), now=NOW)  # was a Conflict: "changed meanwhile"
    assert injected.report()["injected"] == 1
    stored = cases.get(case.tenant, case.case_id)
    assert (stored.claimed_by, stored.version) == ("SE-S1", case.version + 1)
    assert saved.version == stored.version
    with pytest.raises(Conflict):  # a writer still at the old version is refused, as before
        cases.save(case.claim("SE-S2", NOW, "Bo"), now=NOW)


def test_a_duplicate_delivery_is_still_recognised_but_a_lost_answer_is_not_taken_for_one(server_container: Any) -> None:
    case = _case(server_container)
    cases = server_container.cases._cases
    client = TimelineItem._get_connection().connection.client
    with answer_lost(client, "PutItem") as injected:
        first = cases.add_timeline(case.tenant, case.case_id, "e1", "CaseClaimed", "2026-11-26T09:00:00Z", {})
    assert injected.report()["injected"] == 1
    assert first is True  # its own write, although the condition failed on botocore's retry
    again = cases.add_timeline(case.tenant, case.case_id, "e1", "CaseClaimed", "2026-11-26T09:00:00Z", {})
    assert again is False  # a second delivery of the same event: recorded already, by the first
    assert [e["event_id"] for e in cases.timeline(case.tenant, case.case_id)].count("e1") == 1


def test_an_overflow_offer_whose_answer_was_lost_uses_one_place_of_the_partners_day_not_two(
    server_container: Any,
) -> None:
    tenant = server_container.settings.tenant
    capacity = DynamoOverflowCapacity()
    client = OverflowCapacityItem._get_connection().connection.client
    with answer_lost(client, "UpdateItem") as injected:
        assert capacity.take(tenant, "partner", "2026-11-26", limit=2, case_id="c1")  # counted twice before
    assert injected.report()["injected"] == 1
    assert capacity.offered(tenant, "partner", "2026-11-26") == 1
    assert capacity.take(tenant, "partner", "2026-11-26", limit=2, case_id="c2")  # the second place is still free
    assert not capacity.take(tenant, "partner", "2026-11-26", limit=2, case_id="c3")  # and then the day is full
    capacity.give_back(tenant, "partner", "2026-11-26", "c2")
    capacity.give_back(tenant, "partner", "2026-11-26", "c2")  # given back twice: one place, not two
    assert capacity.offered(tenant, "partner", "2026-11-26") == 1


def test_a_transaction_sent_again_with_its_token_is_done_once_as_in_dynamodb(aws_server: Any) -> None:
    ddb = boto3.client("dynamodb", endpoint_url=aws_server.endpoint, region_name="eu-north-1")
    ddb.create_table(
        TableName="lost-answers",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    put = {
        "Put": {
            "TableName": "lost-answers",
            "Item": {"pk": {"S": "a"}},
            "ConditionExpression": "attribute_not_exists(pk)",
        }
    }
    with answer_lost(ddb, "TransactWriteItems") as injected:
        ddb.transact_write_items(TransactItems=[put])  # made, answer lost, sent again by botocore with its token
    assert injected.report()["injected"] == 1
    assert ddb.get_item(TableName="lost-answers", Key={"pk": {"S": "a"}})["Item"] == {"pk": {"S": "a"}}
    token = "token-" + "1" * 30
    third = {"Put": {**put["Put"], "Item": {"pk": {"S": "c"}}}}
    ddb.transact_write_items(TransactItems=[third], ClientRequestToken=token)
    ddb.transact_write_items(TransactItems=[third], ClientRequestToken=token)  # the same again: answered, not redone
    other = {"Put": {**put["Put"], "Item": {"pk": {"S": "b"}}}}
    with pytest.raises(ddb.exceptions.ClientError) as refused:  # another request under the same token
        ddb.transact_write_items(TransactItems=[other], ClientRequestToken=token)
    assert "IdempotentParameterMismatch" in str(refused.value)
    assert "Item" not in ddb.get_item(TableName="lost-answers", Key={"pk": {"S": "b"}})


def test_an_event_whose_in_progress_mark_was_lost_is_handled_once_not_left_for_the_dlq(server_container: Any) -> None:
    from chalicelib.adapters.queues import idempotency_store
    from chalicelib.domain.events import DomainEvent
    from chalicelib.services.events import EventConsumers
    from infrastructure.local.pump import _context

    s = server_container.settings
    stores: dict[str, Any] = {}

    def store(consumer: str) -> Any:
        stores[consumer] = idempotency_store(
            table_name=s.table_name, tenant=s.tenant, consumer=consumer, region=s.region, endpoint=s.aws_endpoint
        )
        return stores[consumer]

    handled: list[str] = []
    consumers = EventConsumers({"timeline": lambda event: handled.append(event.event_id)}, store)
    event = DomainEvent("e1", "CaseClaimed", s.tenant, "c1", "2026-11-26T09:00:00Z", {}).to_dict()
    with answer_lost(stores["timeline"].client, "PutItem") as injected:
        consumers.handle("timeline", event, _context("on_event_for_timeline"))  # was "in progress": to the DLQ
    assert injected.report()["injected"] == 1
    consumers.handle("timeline", event, _context("on_event_for_timeline"))  # a second delivery: done already
    assert handled == ["e1"]
