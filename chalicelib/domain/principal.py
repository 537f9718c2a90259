"""Who acts: a citizen or a staff member, with their roles at units and the children in their custody.

Apart from ``model.py`` (the case and its messages), which re-exports these: checking a session needs only these,
and a Lambda's first request should not have to define the case to do so.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class PrincipalKind(enum.StrEnum):
    CITIZEN = "citizen"
    STAFF = "staff"


@dataclass(frozen=True)
class UnitRole:
    """One role a staff member holds at one unit (a person may hold several)."""

    unit_id: str
    role: str  # a profession id (nurse, doctor, ...) or "admin"


@dataclass(frozen=True)
class Ward:
    """A child under 18 in the citizen's custody (vårdnadshavare), as the population register said at login."""

    ref: str  # the child's keyed-hash pseudonym
    name: str
    birth_date: str  # ISO date; only the age band is shown to staff
    listed_unit_id: str = ""  # the health centre the child is listed at, per the listing register at login


@dataclass(frozen=True)
class Principal:
    """Who is acting. Built only from a verified session, never from the request body."""

    tenant: str
    kind: PrincipalKind
    subject: str  # citizen: keyed hash of the personnummer; staff: HSA-id
    display_name: str
    auth_method: str  # bankid, freja, siths, local-demo
    auth_level: str  # e.g. "loa3"
    roles: tuple[UnitRole, ...] = ()
    session_id: str = ""  # the server-side session this principal acts in (revocable)
    wards: tuple[Ward, ...] = ()  # children the citizen may act for
    birth_date: str = ""  # citizen: ISO date from the personnummer, so the triage need not ask the age
    listed_unit_id: str = ""  # citizen: the health centre they are listed at (listning), per the register at login

    def listed_unit_of(self, patient: str) -> str | None:
        """The unit the patient (the citizen, or a child they act for) is listed at, as known since login."""
        if patient == self.subject:
            return self.listed_unit_id or None
        ward = self.ward(patient)
        return (ward.listed_unit_id or None) if ward is not None else None

    def ward(self, ref: str) -> Ward | None:
        return next((w for w in self.wards if w.ref == ref), None)

    @property
    def is_staff(self) -> bool:
        return self.kind is PrincipalKind.STAFF

    @property
    def units(self) -> frozenset[str]:
        return frozenset(r.unit_id for r in self.roles)

    def professions_at(self, unit_id: str) -> frozenset[str]:
        return frozenset(r.role for r in self.roles if r.unit_id == unit_id)
