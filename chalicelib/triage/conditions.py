"""Three-valued evaluation of conditions over the answers given so far.

A question that was passed without being asked is *hidden* (every test on it is False); a question not reached
yet is *pending* (its tests are undecided, None). "Don't know" on a red-flag question matches every test on it:
with no negation in the condition language that can only add matches, so it never lowers urgency.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from enum import Enum

from chalicelib.triage.outcome import UNKNOWN, AnswerValue
from chalicelib.triage.protocol import Condition


class Missing(Enum):
    HIDDEN = "hidden"
    PENDING = "pending"


Lookup = Callable[[str], AnswerValue | Missing]
Truth = bool | None


def evaluate(condition: Condition, lookup: Lookup, red_flag_ids: Collection[str]) -> Truth:
    if condition.all_ is not None:
        results = [evaluate(c, lookup, red_flag_ids) for c in condition.all_]
        if False in results:
            return False
        return True if all(r is True for r in results) else None
    if condition.any_ is not None:
        results = [evaluate(c, lookup, red_flag_ids) for c in condition.any_]
        if True in results:
            return True
        return False if all(r is False for r in results) else None
    if condition.of is not None and condition.at_least is not None:
        results = [evaluate(c, lookup, red_flag_ids) for c in condition.of]
        yes = results.count(True)
        undecided = results.count(None)
        if yes >= condition.at_least:
            return True
        return False if yes + undecided < condition.at_least else None
    return _atom(condition, lookup, red_flag_ids)


def _atom(c: Condition, lookup: Lookup, red_flag_ids: Collection[str]) -> Truth:
    assert c.q is not None
    value = lookup(c.q)
    if value is Missing.PENDING:
        return None
    if value is Missing.HIDDEN:
        return False
    if value == UNKNOWN:
        return bool(c.unknown) or c.q in red_flag_ids
    if c.unknown:
        return False
    if c.eq is not None:
        if isinstance(value, int | float) and isinstance(c.eq, int | float):
            return float(value) == float(c.eq)
        return value == c.eq
    if c.any_of is not None:
        if isinstance(value, list):
            return any(v in c.any_of for v in value)
        return value in c.any_of
    if not isinstance(value, int | float):
        return False
    number = float(value)
    return (
        (c.gt is None or number > c.gt)
        and (c.gte is None or number >= c.gte)
        and (c.lt is None or number < c.lt)
        and (c.lte is None or number <= c.lte)
    )
