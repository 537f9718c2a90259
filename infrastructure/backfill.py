"""``python -m infrastructure.backfill``: give the queue view index (gsi3) the queued cases written before it existed.

A region deployed before the staff queue read the queue view index has queued cases without its keys: the queue
would not show them until they next change. Run this once after deploying that version (it is safe to run again: a
second run writes nothing):

    python -m infrastructure.backfill --tenant jonkoping                 # in AWS (the usual credentials)
    python -m infrastructure.backfill --endpoint http://127.0.0.1:PORT   # the local stack's embedded AWS

It reads each unit of the region from the directory, its queue from the queue index, and writes again (conditional on
each case's version) the cases the view lacks. Exit status 0 when every unit's queue view is complete.
"""

from __future__ import annotations

import argparse
import os
import sys

from chalicelib.domain.model import PROFESSIONS
from infrastructure.definitions import TenantResources
from infrastructure.replay import LOCAL_CREDENTIALS, LOCAL_TENANT


def backfill(tenant: str, table: str, *, region: str, endpoint: str | None) -> dict[str, int]:
    """Cases written again per unit."""
    from datetime import UTC, datetime

    from chalicelib.adapters import dynamo

    audit = str(TenantResources(tenant).audit_table["TableName"])
    connection = dynamo.configure(
        dynamo.DynamoSettings(table_name=table, audit_table_name=audit, region=region, endpoint=endpoint)
    )
    directory, cases = dynamo.DynamoDirectory(), dynamo.DynamoCases(connection)
    done: dict[str, int] = {}
    for unit in directory.units(tenant):
        professions = unit.get("professions") or PROFESSIONS
        done[str(unit["unit_id"])] = cases.backfill_queue_view(
            tenant, str(unit["unit_id"]), professions, now=datetime.now(UTC)
        )
    return done


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infrastructure.backfill", description=__doc__.splitlines()[0])
    parser.add_argument("--tenant", default=LOCAL_TENANT, help="the region (default: the local stack's demo region)")
    parser.add_argument("--endpoint", help="the local stack's embedded AWS endpoint (default: AWS itself)")
    parser.add_argument("--region", default=os.environ.get("AWS_DEFAULT_REGION", "eu-north-1"))
    args = parser.parse_args(argv)
    if args.endpoint:
        os.environ.setdefault("AWS_ACCESS_KEY_ID", LOCAL_CREDENTIALS["aws_access_key_id"])
        os.environ.setdefault("AWS_SECRET_ACCESS_KEY", LOCAL_CREDENTIALS["aws_secret_access_key"])
    table = str(TenantResources(args.tenant).main_table["TableName"])
    done = backfill(args.tenant, table, region=args.region, endpoint=args.endpoint)
    for unit_id, written in done.items():
        print(f"{unit_id}: {written} queued case(s) given the queue view's keys")
    return 0


if __name__ == "__main__":
    sys.exit(main())
