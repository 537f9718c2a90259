from __future__ import annotations

from datetime import UTC, datetime

import pytest

from infrastructure.local.pump import cron_matches

# 2026-11-25 is a Wednesday: AWS day-of-week 4 (1 = Sunday).
WED_0815 = datetime(2026, 11, 25, 8, 15, tzinfo=UTC)


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("15 8 * * ? *", True),
        ("0/15 * * * ? *", True),
        ("0/20 * * * ? *", False),
        ("15 8 ? * 2-6 *", True),
        ("15 8 ? * 1,7 *", False),
        ("15 8 ? * 4 2026", True),
        ("15 8 ? * 4 2027", False),
        ("* 9-17 * * ? *", False),
    ],
)
def test_cron_expressions_fire_when_aws_would(expression: str, expected: bool) -> None:
    assert cron_matches(expression, WED_0815) is expected
