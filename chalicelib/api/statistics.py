"""Statistics and triage quality for a unit's administrators (docs/statistics.md).

Counters only (kept by the ``stats`` consumer of domain events): reading statistics never scans cases. The triage
quality review lists overridden cases with the staff member's reason; each case shown is logged first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice.app import Blueprint, Response
from pydantic import BaseModel, Field

from chalicelib import bootstrap
from chalicelib.api import http
from chalicelib.api.core_models import ApiModel
from chalicelib.api.http import Access
from chalicelib.api.openapi import operation
from chalicelib.domain.model import CLOSE_OUTCOMES

if TYPE_CHECKING:
    from chalicelib.domain.stats import RulesetMix, Totals
    from chalicelib.services.stats import Period, ReviewedOverride

bp = Blueprint(__name__)

NO_STORE = {"Cache-Control": "no-store"}
PERIOD_QUERY = (
    ("from", "First day (YYYY-MM-DD, Swedish date), default 29 days before to", False),
    ("to", "Last day (YYYY-MM-DD), default today", False),
)


class Figures(ApiModel):
    """Counters added up, and what they say."""

    cases: int = Field(description="Cases submitted")
    self_care_advised: int = Field(description="Cases the triage advised self-care (whether or not they chose contact)")
    contact_anyway: int = Field(description='Self-care advice followed by "contact anyway" (P5)')
    share_contact_anyway: float | None = Field(description="contact_anyway / self_care_advised (0–1)")
    contacted: int = Field(description="Cases whose first contact (staff's first message) was made")
    within_deadline: int = Field(description="First contacts made by the case's deadline")
    share_within_deadline: float | None = Field(description="within_deadline / contacted (0–1); none: no contacts")
    average_wait_minutes: float | None = Field(description="Mean time from submit to first contact")
    closed: dict[str, int] = Field(description="Closed cases per outcome code")
    overrides_up: int = Field(description="Staff overrides to a more urgent priority")
    overrides_down: int = Field(description="Staff overrides to a less urgent priority")
    overrides_profession: int = Field(description="Staff overrides of the profession only")

    @staticmethod
    def of(totals: Totals) -> Figures:
        c = totals.counts
        return Figures(
            cases=c["cases"],
            self_care_advised=totals.self_care_advised,
            contact_anyway=c["contact_anyway"],
            share_contact_anyway=totals.share_contact_anyway,
            contacted=c["contacted"],
            within_deadline=c["within_deadline"],
            share_within_deadline=totals.share_within_deadline,
            average_wait_minutes=totals.average_wait_minutes,
            closed={o: c[f"closed_{o}"] for o in CLOSE_OUTCOMES},
            overrides_up=c["overrides_up"],
            overrides_down=c["overrides_down"],
            overrides_profession=c["overrides_profession"],
        )


class Group(ApiModel):
    code: str = Field(description="A day (YYYY-MM-DD), priority, disposition or complaint (protocol id) code")
    figures: Figures


class StatisticsView(ApiModel):
    unit_id: str
    from_: str = Field(alias="from", serialization_alias="from")
    to: str
    totals: Figures
    by_day: list[Group]
    by_priority: list[Group]
    by_disposition: list[Group]
    by_complaint: list[Group]


class RulesetView(ApiModel):
    """One ruleset version of one protocol: its cases' mix, and how often staff changed its outcome."""

    complaint: str
    ruleset: str = Field(description='The ruleset version that decided, e.g. "cold@2;engine@1"')
    cases: int
    priorities: dict[str, int] = Field(description="Cases per triage priority (none: self-care)")
    dispositions: dict[str, int] = Field(description="Cases per triage disposition")
    overrides_up: int
    overrides_down: int
    overrides_profession: int
    share_overridden: float | None = Field(description="Overrides per case decided (0–1)")


class OverrideView(ApiModel):
    """An overridden case for clinical review (showing it was logged)."""

    case_id: str
    day: str = Field(description="The day the case was submitted")
    at: str = Field(description="When the override was made")
    by: str = Field(description="HSA-id")
    by_name: str
    reason: str = Field(description="The staff member's reason")
    complaint: str
    ruleset: str
    direction: str = Field(description="up, down or profession")
    from_priority: str
    to_priority: str
    from_profession: str
    to_profession: str


class TriageQualityView(ApiModel):
    unit_id: str
    from_: str = Field(alias="from", serialization_alias="from")
    to: str
    rulesets: list[RulesetView]
    overrides: list[OverrideView]


def _period() -> Period:
    request = bp.current_request
    return bootstrap.container().stats.period(http.query(request, "from"), http.query(request, "to"))


def _groups(groups: dict[str, Totals]) -> list[Group]:
    return [Group(code=code, figures=Figures.of(totals)) for code, totals in groups.items()]


def _ruleset(mix: RulesetMix) -> RulesetView:
    c = mix.totals.counts
    cases = c["cases"]
    return RulesetView(
        complaint=mix.complaint,
        ruleset=mix.ruleset,
        cases=cases,
        priorities=mix.priorities,
        dispositions=mix.dispositions,
        overrides_up=c["overrides_up"],
        overrides_down=c["overrides_down"],
        overrides_profession=c["overrides_profession"],
        share_overridden=round(mix.totals.overrides / cases, 4) if cases else None,
    )


def _override(shown: ReviewedOverride) -> OverrideView:
    e = shown.entry
    return OverrideView(
        case_id=e.case_id,
        day=e.day,
        at=e.at,
        by=e.by,
        by_name=shown.by_name,
        reason=shown.reason,
        complaint=e.complaint,
        ruleset=e.ruleset,
        direction=e.direction,
        from_priority=e.from_priority,
        to_priority=e.to_priority,
        from_profession=e.from_profession,
        to_profession=e.to_profession,
    )


def _json(model: BaseModel) -> Response:
    body = model.model_dump_json(by_alias=True)
    return Response(body=body, status_code=200, headers={**http.JSON, **NO_STORE})


@operation(
    bp,
    "/staff/units/{unit_id}/statistics",
    "GET",
    summary="The unit's statistics of a period: volumes, first contact against the deadline, self-care followed by "
    "contact anyway, closed outcomes — per day, priority, disposition and complaint (unit admins; counters only)",
    tag="staff",
    access=Access.STAFF,
    response=StatisticsView,
    errors=(403, 404, 422),
    query=PERIOD_QUERY,
)
def unit_statistics(unit_id: str) -> Response:
    period = _period()
    summary = bootstrap.container().stats.statistics(http.who(), unit_id, period)
    view = StatisticsView.model_validate(
        {
            "unit_id": unit_id,
            "from": period.first.isoformat(),
            "to": period.last.isoformat(),
            "totals": Figures.of(summary.totals),
            "by_day": _groups(summary.by_day),
            "by_priority": _groups(summary.by_priority),
            "by_disposition": _groups(summary.by_disposition),
            "by_complaint": _groups(summary.by_complaint),
        }
    )
    return _json(view)


@operation(
    bp,
    "/staff/units/{unit_id}/statistics.csv",
    "GET",
    summary="The unit's statistics of a period as CSV (UTF-8, ';' separated, Swedish headers; unit admins)",
    tag="staff",
    access=Access.STAFF,
    errors=(403, 404, 422),
    query=PERIOD_QUERY,
)
def unit_statistics_csv(unit_id: str) -> Response:
    period = _period()
    body = bootstrap.container().stats.csv(http.who(), unit_id, period)
    name = f"statistik-{unit_id}-{period.first.isoformat()}-{period.last.isoformat()}.csv"
    headers: dict[str, str | list[str]] = {
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": f'attachment; filename="{name}"',
        **NO_STORE,
    }
    return Response(body=body, status_code=200, headers=headers)


@operation(
    bp,
    "/staff/units/{unit_id}/triage-quality",
    "GET",
    summary="Triage quality of the unit's cases of a period: overrides per protocol and ruleset version, each "
    "version's priority and disposition mix, and the overridden cases for clinical review (unit admins; each case "
    "shown is logged)",
    tag="staff",
    access=Access.STAFF,
    response=TriageQualityView,
    errors=(403, 404, 422),
    query=PERIOD_QUERY,
)
def unit_triage_quality(unit_id: str) -> Response:
    period = _period()
    quality = bootstrap.container().stats.quality(http.who(), unit_id, period)
    view = TriageQualityView.model_validate(
        {
            "unit_id": unit_id,
            "from": period.first.isoformat(),
            "to": period.last.isoformat(),
            "rulesets": [_ruleset(m) for m in quality.mixes],
            "overrides": [_override(o) for o in quality.overrides],
        }
    )
    return _json(view)
