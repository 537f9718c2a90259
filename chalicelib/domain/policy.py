"""Access policy: who may see or act on a case. Pure functions over Principal and Case.

Out-of-scope access is reported by the services as NotFound, so nothing leaks.
"""

from __future__ import annotations

from collections.abc import Iterable

from chalicelib.domain.errors import Forbidden, NotFound
from chalicelib.domain.model import PROFESSIONS, Case, Principal, PrincipalKind

COORDINATOR = "coordinator"  # the named role a unit's overdue cases are escalated to (services/alerts.py)
NOT_PROFESSIONS = frozenset({"admin", COORDINATOR})  # roles at a unit that are no profession: no queue of their own


def can_view_case(principal: Principal, case: Case) -> bool:
    if principal.tenant != case.tenant:
        return False
    if principal.kind is PrincipalKind.CITIZEN:
        # The patient, or their guardian (custody confirmed by the population register at login).
        return principal.subject == case.patient_ref or principal.ward(case.patient_ref) is not None
    # Staff: a care relationship exists through the unit the case was sent to, for those who give care there. An
    # administrator of the unit without a care role there does not read patients' cases (patientdatalagen 4 kap.
    # 1 §: only who takes part in the patient's care, or otherwise needs the data for their work); reviewing the
    # access log is their own, logged, way in (ground "review").
    return bool(principal.professions_at(case.unit_id) - {"admin"})


def can_post_message(principal: Principal, case: Case) -> bool:
    return can_view_case(principal, case) and case.is_open


def queue_scope(principal: Principal, unit_id: str) -> frozenset[str]:
    """The professions whose queue at ``unit_id`` the principal may see (empty: none): the professions they hold
    there; for the unit's coordinator every profession, since the unit's overdue cases are escalated to them whoever
    should have taken them (a coordinator reads the unit's cases anyway, ``can_view_case``). ``admin`` and
    ``coordinator`` are no professions: never a queue of their own."""
    if principal.kind is not PrincipalKind.STAFF:
        return frozenset()
    held = principal.professions_at(unit_id)
    if COORDINATOR in held:
        return frozenset(PROFESSIONS)
    return held - NOT_PROFESSIONS


def can_handle_case(principal: Principal, case: Case) -> bool:
    """Claim, release, hand over, close: staff holding the case's profession at the case's unit."""
    return (
        principal.kind is PrincipalKind.STAFF
        and principal.tenant == case.tenant
        and case.profession in principal.professions_at(case.unit_id)
    )


def require_unit_admin(principal: Principal, unit_id: str, *, refused_en: str, refused_sv: str) -> None:
    """What only a unit's administrators (role ``admin`` there) may do: NotFound outside the principal's units
    (nothing about the unit leaks), Forbidden with the given words for its other staff."""
    if principal.kind is not PrincipalKind.STAFF or unit_id not in principal.units:
        raise NotFound(f"No unit {unit_id!r} of yours.", message_sv="Enheten finns inte.")
    if "admin" not in principal.professions_at(unit_id):
        raise Forbidden(refused_en, message_sv=refused_sv)


def is_region_admin(principal: Principal, region_admins: Iterable[str]) -> bool:
    """A region administrator: staff named in the region's list (kept in the region item, not in the session, so a
    role given or taken applies to the next request)."""
    return principal.kind is PrincipalKind.STAFF and principal.subject in set(region_admins)


def require_region_admin(principal: Principal, region_admins: Iterable[str]) -> None:
    """What only the region's administrators may do: Forbidden for everyone else (the region itself is no secret to
    its own staff)."""
    if not is_region_admin(principal, region_admins):
        raise Forbidden(
            "Only the region's administrators may do this.",
            message_sv="Det här får bara regionens administratörer göra.",
        )
