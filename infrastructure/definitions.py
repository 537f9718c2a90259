"""The data resources of one region (tenant): one definition for the AWS stack and for the local stack.

Tables come from ``chalicelib.adapters.tables`` (the pynamodb models are checked against it by a test).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chalicelib.adapters import tables


@dataclass(frozen=True)
class QueueDef:
    name: str
    visibility_timeout: int
    max_receive_count: int  # then the message goes to the queue's DLQ

    @property
    def dlq_name(self) -> str:
        return f"{self.name}-dlq"


@dataclass(frozen=True)
class TenantResources:
    tenant: str

    @property
    def main_table(self) -> dict[str, Any]:
        return tables.main_table(f"nara-{self.tenant}-main")

    @property
    def audit_table(self) -> dict[str, Any]:
        return tables.audit_table(f"nara-{self.tenant}-audit")

    @property
    def queues(self) -> tuple[QueueDef, ...]:
        return (QueueDef(f"nara-{self.tenant}-events", visibility_timeout=30, max_receive_count=5),)

    @property
    def buckets(self) -> tuple[str, ...]:
        return (f"nara-{self.tenant}-photos",)

    @property
    def ttl_tables(self) -> tuple[str, ...]:
        return (self.main_table["TableName"],)
