"""Read marks of a case's chat: how far each side has read, one item per side under the case.

Items (pk: the case's ``T#{t}#CASE#{case_id}``, so only code that reached the case in scope finds them):

- sk ``READ#citizen``: the patient's side (the patient or their guardian);
- sk ``READ#staff``: the care unit's side (any staff member reading counts for the unit).

Each holds the highest message sequence number read, when, and by whom. A mark only moves forward: the write is
conditional on the item being absent or its mark lower, so a late or retried request never lowers it. The case item
is never written here (claims check its version; reading must not make a claim fail).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import PutError

from chalicelib.adapters import keys
from chalicelib.adapters.dynamo import Entity, condition_failed

SIDES = ("citizen", "staff")


class ReadMarkItem(Entity, discriminator="read_mark"):
    tenant = UnicodeAttribute()
    case_id = UnicodeAttribute()
    side = UnicodeAttribute()
    seq = NumberAttribute()
    read_at = UTCDateTimeAttribute()
    read_by = UnicodeAttribute()


@dataclass(frozen=True)
class ReadMark:
    side: str
    seq: int = 0  # 0: nothing read yet
    read_at: datetime | None = None


class DynamoReads:
    """The read marks of cases' chats. Build it after ``dynamo.configure`` (bootstrap does): it then forgets any
    connection cached for another table."""

    def __init__(self) -> None:
        ReadMarkItem._connection = None

    def advance(self, tenant: str, case_id: str, side: str, seq: int, *, by: str, at: datetime) -> bool:
        """Move ``side``'s mark up to ``seq``; False (and nothing written) when it is there or further already."""
        if side not in SIDES:
            raise ValueError(f"unknown side {side!r}")
        item = ReadMarkItem(
            pk=keys.case_pk(tenant, case_id),
            sk=keys.read_sk(side),
            tenant=tenant,
            case_id=case_id,
            side=side,
            seq=seq,
            read_at=at,
            read_by=by,
        )
        try:
            item.save(
                condition=ReadMarkItem.pk.does_not_exist() | (ReadMarkItem.seq < seq),
                add_version_condition=False,  # the mark itself is the condition: it only rises
            )
        except PutError as error:
            if condition_failed(error):
                return False
            raise
        return True

    def of_case(self, tenant: str, case_id: str) -> dict[str, ReadMark]:
        """Both sides' marks (a side that has read nothing has seq 0)."""
        marks = {side: ReadMark(side) for side in SIDES}
        items = ReadMarkItem.query(
            keys.case_pk(tenant, case_id), ReadMarkItem.sk.startswith(keys.READ_PREFIX), consistent_read=True
        )
        for item in items:
            if isinstance(item, ReadMarkItem) and item.side in marks:
                marks[item.side] = ReadMark(item.side, int(item.seq), item.read_at)
        return marks
