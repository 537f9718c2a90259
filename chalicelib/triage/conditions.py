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


Compiled = Callable[[Lookup], Truth]
"""A condition compiled for one set of red-flag questions: call it with a lookup, get ``evaluate``'s result."""


def compile_condition(condition: Condition, red_flag_ids: Collection[str]) -> Compiled:
    """``condition`` as a closure with the same three-valued result as ``evaluate(condition, lookup, red_flag_ids)``.

    Built once per protocol (the engine caches it): walking the pydantic tree and re-checking each node's shape on
    every evaluation is most of a session's time otherwise. Combinators stop early once the result is certain,
    which cannot change it: evaluation has no side effects.
    """
    if condition.all_ is not None:
        return _compile_all(tuple(compile_condition(c, red_flag_ids) for c in condition.all_))
    if condition.any_ is not None:
        return _compile_any(tuple(compile_condition(c, red_flag_ids) for c in condition.any_))
    if condition.of is not None and condition.at_least is not None:
        return _compile_at_least(condition.at_least, tuple(compile_condition(c, red_flag_ids) for c in condition.of))
    return _compile_atom(condition, red_flag_ids)


def _compile_all(parts: tuple[Compiled, ...]) -> Compiled:
    def all_(lookup: Lookup) -> Truth:
        undecided = False
        for part in parts:
            result = part(lookup)
            if result is False:
                return False
            if result is None:
                undecided = True
        return None if undecided else True

    return all_


def _compile_any(parts: tuple[Compiled, ...]) -> Compiled:
    def any_(lookup: Lookup) -> Truth:
        undecided = False
        for part in parts:
            result = part(lookup)
            if result is True:
                return True
            if result is None:
                undecided = True
        return None if undecided else False

    return any_


def _compile_at_least(needed: int, parts: tuple[Compiled, ...]) -> Compiled:
    def at_least(lookup: Lookup) -> Truth:
        yes = undecided = 0
        for part in parts:
            result = part(lookup)
            if result is True:
                yes += 1
            elif result is None:
                undecided += 1
        if yes >= needed:
            return True
        return False if yes + undecided < needed else None

    return at_least


def _compile_atom(c: Condition, red_flag_ids: Collection[str]) -> Compiled:
    """Mirrors ``_atom`` branch by branch; the branches that depend only on the condition are taken up front."""
    assert c.q is not None
    qid = c.q
    pending, hidden = Missing.PENDING, Missing.HIDDEN
    if_unknown = bool(c.unknown) or qid in red_flag_ids

    if c.unknown:

        def is_unknown(lookup: Lookup) -> Truth:
            value = lookup(qid)
            if value is pending:
                return None
            if value is hidden:
                return False
            return value == UNKNOWN

        return is_unknown

    if c.eq is not None:
        eq = c.eq
        if isinstance(eq, int | float):
            eq_number = float(eq)

            def equals_number(lookup: Lookup) -> Truth:
                value = lookup(qid)
                if value is pending:
                    return None
                if value is hidden:
                    return False
                if value == UNKNOWN:
                    return if_unknown
                if isinstance(value, int | float):
                    return float(value) == eq_number
                return False  # text or a list never equals a number

            return equals_number

        def equals(lookup: Lookup) -> Truth:
            value = lookup(qid)
            if value is pending:
                return None
            if value is hidden:
                return False
            if value == UNKNOWN:
                return if_unknown
            return value == eq

        return equals

    if c.any_of is not None:
        any_of = c.any_of

        def one_of(lookup: Lookup) -> Truth:
            value = lookup(qid)
            if value is pending:
                return None
            if value is hidden:
                return False
            if value == UNKNOWN:
                return if_unknown
            if isinstance(value, list):
                return any(v in any_of for v in value)
            return value in any_of

        return one_of

    gt, gte, lt, lte = c.gt, c.gte, c.lt, c.lte

    def compare(lookup: Lookup) -> Truth:
        value = lookup(qid)
        if value is pending:
            return None
        if value is hidden:
            return False
        if value == UNKNOWN:
            return if_unknown
        if not isinstance(value, int | float):
            return False
        number = float(value)
        return (
            (gt is None or number > gt)
            and (gte is None or number >= gte)
            and (lt is None or number < lt)
            and (lte is None or number <= lte)
        )

    return compare
