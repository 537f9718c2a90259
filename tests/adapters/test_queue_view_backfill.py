"""A region deployed before the queue view index (gsi3) has queued cases without its keys: the staff queue would not
show them. `python -m infrastructure.backfill` gives them their keys, once; a second run writes nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib.adapters import keys
from chalicelib.domain.model import Case
from infrastructure import backfill
from tests.conftest import TEST_TENANT

UNIT = "SE2321000057-VC01"


def test_cases_written_before_the_queue_view_come_back_to_the_queue(container: Any, aws: dict[str, Any]) -> None:
    cases = container.cases._cases
    container.directory.put_unit(TEST_TENANT, UNIT, "Vårdcentralen Huskvarna", {"professions": ["nurse"]})
    start = datetime.now(UTC) - timedelta(hours=1)
    for i in range(3):
        case = Case.submit(
            case_id=f"case-old-{i}",
            tenant=TEST_TENANT,
            unit_id=UNIT,
            patient_ref=f"patient-{i}",
            reason="Hosta",
            free_text="",
            priority="P4",
            profession="nurse",
            now=start + timedelta(minutes=i),
        )
        cases.create(case, now=start, idempotency=(case.patient_ref, f"key-{i}", "h", {}))
    table = aws["resources"].main_table["TableName"]
    for i in (0, 2):  # as an older version wrote them: no queue view keys, no card
        key = {"pk": {"S": keys.case_pk(TEST_TENANT, f"case-old-{i}")}, "sk": {"S": keys.CASE_SK}}
        found = aws["dynamodb"].get_item(TableName=table, Key=key)
        assert "Item" in found, key
        aws["dynamodb"].update_item(TableName=table, Key=key, UpdateExpression="REMOVE gsi3pk, gsi3sk, queue_card")
    assert [c.case_id for c in cases.queue_page(TEST_TENANT, UNIT, ["nurse"]).cases] == ["case-old-1"]

    done = backfill.backfill(TEST_TENANT, table, region="eu-north-1", endpoint=None)
    assert done[UNIT] == 2
    page = cases.queue_page(TEST_TENANT, UNIT, ["nurse"])
    assert [c.case_id for c in page.cases] == ["case-old-0", "case-old-1", "case-old-2"]
    assert page.cases[0].reason == "Hosta"
    assert backfill.backfill(TEST_TENANT, table, region="eu-north-1", endpoint=None)[UNIT] == 0
