"""The access matrix (issue 10): for every route of the app, the expected answer per role and object, as data.

Written out by hand from the access rules (docs/architecture.md, chalicelib/domain/policy.py's docstrings, the
route's declared access), not computed from the code under test; ``tests/api/test_access_matrix.py`` calls every
cell and fails on any difference, on a route missing here, and on a refusal that carries someone's data.

Roles (the columns, in this order):

=================  ===========================================================================================
citizen_a          citizen A (Anna); her cases, drafts and bookings are at unit A
citizen_b          citizen B (Bertil); his are at unit B
guardian           citizen C (Cecilia), vårdnadshavare of a child whose case is at unit A
nurse_unit         nurse of unit A
nurse_other_unit   nurse of unit B (the other unit)
doctor             doctor of unit A (the cases are queued for a nurse)
admin              administrator of unit A (role ``admin`` only; not a region administrator): no care role there,
                   so no patient's case (patientdatalagen 4 kap. 1 §; chalicelib/domain/policy.py) — 404 as for
                   a unit not theirs; the access-log review and the triage-quality review are their logged way in
other_region       a nurse's session token made by another region (tenant ``kalmar``, its own key)
no_token           no Authorization header
expired            a real session of unit A's nurse, opened 11 h ago (past the 10 h absolute limit)
=================  ===========================================================================================

Objects: each route that names an object (a case, draft, booking, meeting, unit, template, schedule entry, staff
member) is called twice per role: on the role's **own** object and on **another's**. The objects are those of three
sides: A (citizen A's, at unit A), B (citizen B's, at unit B) and C (the guardian's child's, at unit A); ``OBJECT``
says which side is "own" and which "other" for each role. For staff "own" is their unit's, "other" the other unit's;
the session-less roles are pointed at side A and B.

A cell is ``own/other`` (or one value for both). Values: ``2xx`` (any success), or an exact status: ``401`` no valid
session, ``403`` the wrong kind of user or role for the action (nothing about the object is looked up), ``404`` out of
scope (nothing leaks, not even that it exists), ``409`` the object is in scope but not in a state for this, ``422``
the body is refused (used only where a valid body is costly, and only after access was checked).
Routes that name no object (``/me``, ``/staff/my-cases``, public routes) have one value per role.
"""

from __future__ import annotations

ROLES = (
    "citizen_a",
    "citizen_b",
    "guardian",
    "nurse_unit",
    "nurse_other_unit",
    "doctor",
    "admin",
    "other_region",
    "no_token",
    "expired",
)

OBJECT: dict[str, dict[str, str]] = {
    "citizen_a": {"own": "A", "other": "B"},
    "citizen_b": {"own": "B", "other": "A"},
    "guardian": {"own": "C", "other": "A"},
    "nurse_unit": {"own": "A", "other": "B"},
    "nurse_other_unit": {"own": "B", "other": "A"},
    "doctor": {"own": "A", "other": "B"},
    "admin": {"own": "A", "other": "B"},
    "other_region": {"own": "A", "other": "B"},
    "no_token": {"own": "A", "other": "B"},
    "expired": {"own": "A", "other": "B"},
}

# fmt: off
# Columns: citizen_a citizen_b guardian | nurse_unit nurse_other_unit doctor admin | other_region no_token expired
TABLE: dict[tuple[str, str], str] = {
    # --- public: anyone, the session is not looked at ---------------------------------------------------------------
    ("GET", "/health"):                       "2xx 2xx 2xx | 2xx 2xx 2xx 2xx | 2xx 2xx 2xx",
    ("GET", "/openapi.json"):                 "2xx 2xx 2xx | 2xx 2xx 2xx 2xx | 2xx 2xx 2xx",
    ("GET", "/units"):                        "2xx 2xx 2xx | 2xx 2xx 2xx 2xx | 2xx 2xx 2xx",
    ("GET", "/branding"):                     "2xx 2xx 2xx | 2xx 2xx 2xx 2xx | 2xx 2xx 2xx",
    # an uploaded logo by its hash: public (the pages show it before a login); no such logo here, for anyone
    ("GET", "/branding/uploads/{name}"):      "404 404 404 | 404 404 404 404 | 404 404 404",
    ("GET", "/emergency-departments"):        "2xx 2xx 2xx | 2xx 2xx 2xx 2xx | 2xx 2xx 2xx",
    # a unit's QR code (a waiting room's poster): public, for every unit of the region
    ("GET", "/units/{unit_id}/qr.svg"):       "2xx 2xx 2xx | 2xx 2xx 2xx 2xx | 2xx 2xx 2xx",
    ("GET", "/auth/methods"):                 "2xx 2xx 2xx | 2xx 2xx 2xx 2xx | 2xx 2xx 2xx",
    ("GET", "/interregion/jwks.json"):        "2xx 2xx 2xx | 2xx 2xx 2xx 2xx | 2xx 2xx 2xx",
    # the test region offers no BankID and no OIDC login (the local stack does): their own 404, for everyone
    ("POST", "/auth/bankid/start"):           "404 404 404 | 404 404 404 404 | 404 404 404",
    # an unknown login id, code or interpreter link: their own 4xx, the same for everyone (a cancel is idempotent)
    ("POST", "/auth/bankid/collect"):         "404 404 404 | 404 404 404 404 | 404 404 404",
    ("POST", "/auth/bankid/qr"):              "404 404 404 | 404 404 404 404 | 404 404 404",
    ("POST", "/auth/bankid/cancel"):          "2xx 2xx 2xx | 2xx 2xx 2xx 2xx | 2xx 2xx 2xx",
    ("POST", "/auth/exchange"):               "401 401 401 | 401 401 401 401 | 401 401 401",
    ("GET", "/auth/oidc/{provider}/start"):   "404 404 404 | 404 404 404 404 | 404 404 404",
    ("GET", "/auth/oidc/{provider}/callback"): "404 404 404 | 404 404 404 404 | 404 404 404",
    ("POST", "/video/interpreter/session"):   "404 404 404 | 404 404 404 404 | 404 404 404",
    ("POST", "/video/interpreter/ws-ticket"): "401 401 401 | 401 401 401 401 | 401 401 401",
    # --- a partner region's stack: its signature, never a session ------------------------------------------------
    ("POST", "/interregion/referrals"):       "401 401 401 | 401 401 401 401 | 401 401 401",
    ("POST", "/interregion/referrals/{referral_id}/answer"): "401 401 401 | 401 401 401 401 | 401 401 401",
    # --- anyone logged in ----------------------------------------------------------------------------------------
    ("GET", "/me"):                           "2xx 2xx 2xx | 2xx 2xx 2xx 2xx | 401 401 401",
    ("POST", "/auth/ws-ticket"):              "2xx 2xx 2xx | 2xx 2xx 2xx 2xx | 401 401 401",
    ("GET", "/video/ice-servers"):            "2xx 2xx 2xx | 2xx 2xx 2xx 2xx | 401 401 401",
    # the chat: the patient (or guardian) and the staff of the case's unit
    ("GET", "/cases/{case_id}/messages"):
        "2xx/404 2xx/404 2xx/404 | 2xx/404 2xx/404 2xx/404 404 | 401 401 401",
    ("POST", "/cases/{case_id}/messages"):
        "2xx/404 2xx/404 2xx/404 | 2xx/404 2xx/404 2xx/404 404 | 401 401 401",
    ("POST", "/cases/{case_id}/read"):
        "2xx/404 2xx/404 2xx/404 | 2xx/404 2xx/404 2xx/404 404 | 401 401 401",
    # --- the citizen's own ---------------------------------------------------------------------------------------
    ("GET", "/citizen/cases"):                "2xx 2xx 2xx | 403 403 403 403 | 401 401 401",
    ("GET", "/citizen/children"):             "2xx 2xx 2xx | 403 403 403 403 | 401 401 401",
    ("GET", "/citizen/listing"):              "2xx 2xx 2xx | 403 403 403 403 | 401 401 401",
    ("GET", "/citizen/access-log"):           "2xx 2xx 2xx | 403 403 403 403 | 401 401 401",
    ("GET", "/citizen/advice/{advice_id}"):   "2xx 2xx 2xx | 403 403 403 403 | 401 401 401",
    ("GET", "/citizen/phone-invites/{token}"): "404 404 404 | 403 403 403 403 | 401 401 401",
    ("GET", "/citizen/triage"):               "2xx 2xx 2xx | 403 403 403 403 | 401 401 401",
    ("POST", "/citizen/triage"):              "2xx 2xx 2xx | 403 403 403 403 | 401 401 401",
    ("GET", "/citizen/cases/{case_id}"):
        "2xx/404 2xx/404 2xx/404 | 403 403 403 403 | 401 401 401",
    ("GET", "/citizen/cases/{case_id}/waiting"):
        "2xx/404 2xx/404 2xx/404 | 403 403 403 403 | 401 401 401",
    ("POST", "/citizen/cases/{case_id}/contact"):
        "2xx/404 2xx/404 2xx/404 | 403 403 403 403 | 401 401 401",
    ("GET", "/citizen/cases/{case_id}/video"):
        "2xx/404 2xx/404 2xx/404 | 403 403 403 403 | 401 401 401",
    # bookings: the shared cases have times offered in the chat and one booked (no self-booking for a nurse's chat)
    ("GET", "/citizen/cases/{case_id}/slots"):
        "409/404 409/404 409/404 | 403 403 403 403 | 401 401 401",
    ("GET", "/citizen/cases/{case_id}/offered-slots"):
        "2xx/404 2xx/404 2xx/404 | 403 403 403 403 | 401 401 401",
    ("GET", "/citizen/cases/{case_id}/booking"):
        "2xx/404 2xx/404 2xx/404 | 403 403 403 403 | 401 401 401",
    ("GET", "/citizen/cases/{case_id}/booking.ics"):
        "2xx/404 2xx/404 2xx/404 | 403 403 403 403 | 401 401 401",
    ("POST", "/citizen/cases/{case_id}/booking"):
        "2xx/404 2xx/404 2xx/404 | 403 403 403 403 | 401 401 401",
    ("PUT", "/citizen/cases/{case_id}/booking"):
        "2xx/404 2xx/404 2xx/404 | 403 403 403 403 | 401 401 401",
    ("DELETE", "/citizen/cases/{case_id}/booking"):
        "2xx/404 2xx/404 2xx/404 | 403 403 403 403 | 401 401 401",
    # photos: an upload slot is cheap; a photo id that is not there is 404 even for the owner
    ("GET", "/citizen/cases/{case_id}/photos"):
        "2xx/404 2xx/404 2xx/404 | 403 403 403 403 | 401 401 401",
    ("POST", "/citizen/cases/{case_id}/photos"):
        "2xx/404 2xx/404 2xx/404 | 403 403 403 403 | 401 401 401",
    ("GET", "/citizen/cases/{case_id}/photos/{photo_id}"):
        "404 404 404 | 403 403 403 403 | 401 401 401",
    ("POST", "/citizen/cases/{case_id}/photos/{photo_id}/complete"):
        "404 404 404 | 403 403 403 403 | 401 401 401",
    # the triage drafts (each mutating route on fresh drafts)
    ("GET", "/citizen/triage/{draft_id}"):
        "2xx/404 2xx/404 2xx/404 | 403 403 403 403 | 401 401 401",
    ("PATCH", "/citizen/triage/{draft_id}"):
        "2xx/404 2xx/404 2xx/404 | 403 403 403 403 | 401 401 401",
    # the complaint list is asked for at the complaint question only; a fresh draft is at the first question (409)
    ("GET", "/citizen/triage/{draft_id}/complaints"):
        "409/404 409/404 409/404 | 403 403 403 403 | 401 401 401",
    ("POST", "/citizen/triage/{draft_id}/answers"):
        "2xx/404 2xx/404 2xx/404 | 403 403 403 403 | 401 401 401",
    ("POST", "/citizen/triage/{draft_id}/back"):
        "2xx/404 2xx/404 2xx/404 | 403 403 403 403 | 401 401 401",
    # submitting a draft whose triage is not finished: in scope, not ready
    ("POST", "/citizen/triage/{draft_id}/submit"):
        "409/404 409/404 409/404 | 403 403 403 403 | 401 401 401",
    ("GET", "/citizen/triage/{draft_id}/photos"):
        "2xx/404 2xx/404 2xx/404 | 403 403 403 403 | 401 401 401",
    ("POST", "/citizen/triage/{draft_id}/photos"):
        "2xx/404 2xx/404 2xx/404 | 403 403 403 403 | 401 401 401",
    # removing a photo that is not there is done (idempotent) on one's own draft; another's draft stays 404
    ("DELETE", "/citizen/triage/{draft_id}/photos/{photo_id}"):
        "2xx/404 2xx/404 2xx/404 | 403 403 403 403 | 401 401 401",
    ("POST", "/citizen/triage/{draft_id}/photos/{photo_id}/complete"):
        "404 404 404 | 403 403 403 403 | 401 401 401",
    # --- staff: lists and the case (an administrator without a care role at the unit reads no case: 404) -----------
    ("GET", "/staff/my-cases"):               "403 403 403 | 2xx 2xx 2xx 2xx | 401 401 401",
    # an administrator has no queue of their own (role admin is no profession): 404 as for a unit not theirs
    ("GET", "/staff/queue"):
        "403 403 403 | 2xx/404 2xx/404 2xx/404 404 | 401 401 401",
    ("GET", "/staff/cases/{case_id}"):
        "403 403 403 | 2xx/404 2xx/404 2xx/404 404 | 401 401 401",
    ("GET", "/staff/cases/{case_id}/journal"):
        "403 403 403 | 2xx/404 2xx/404 2xx/404 404 | 401 401 401",
    ("GET", "/staff/cases/{case_id}/fhir"):
        "403 403 403 | 2xx/404 2xx/404 2xx/404 404 | 401 401 401",
    ("GET", "/staff/cases/{case_id}/photos"):
        "403 403 403 | 2xx/404 2xx/404 2xx/404 404 | 401 401 401",
    ("GET", "/staff/cases/{case_id}/photos/{photo_id}"):
        "403 403 403 | 404 404 404 404 | 401 401 401",
    ("GET", "/staff/cases/{case_id}/slots"):
        "403 403 403 | 2xx/404 2xx/404 2xx/404 404 | 401 401 401",
    # --- staff: handling (the case's profession at its unit: the nurse; the doctor and the admin are refused) -----
    ("POST", "/staff/cases/{case_id}/claim"):
        "403 403 403 | 2xx/404 2xx/404 403/404 404 | 401 401 401",
    ("POST", "/staff/cases/{case_id}/release"):
        "403 403 403 | 2xx/404 2xx/404 403/404 404 | 401 401 401",
    ("POST", "/staff/cases/{case_id}/hand-over"):
        "403 403 403 | 2xx/404 2xx/404 403/404 404 | 401 401 401",
    ("POST", "/staff/cases/{case_id}/close"):
        "403 403 403 | 2xx/404 2xx/404 403/404 404 | 401 401 401",
    ("POST", "/staff/cases/{case_id}/override"):
        "403 403 403 | 2xx/404 2xx/404 403/404 404 | 401 401 401",
    ("POST", "/staff/cases/{case_id}/refer"):
        "403 403 403 | 2xx/404 2xx/404 403/404 404 | 401 401 401",
    ("POST", "/staff/cases/{case_id}/refer-region"):
        "403 403 403 | 2xx/404 2xx/404 403/404 404 | 401 401 401",
    ("POST", "/staff/cases/{case_id}/referral/accept"):
        "403 403 403 | 2xx/404 2xx/404 403/404 404 | 401 401 401",
    ("POST", "/staff/cases/{case_id}/referral/reject"):
        "403 403 403 | 2xx/404 2xx/404 403/404 404 | 401 401 401",
    ("POST", "/staff/cases/{case_id}/photo-request"):
        "403 403 403 | 2xx/404 2xx/404 403/404 404 | 401 401 401",
    ("POST", "/staff/cases/{case_id}/offer"):
        "403 403 403 | 2xx/404 2xx/404 403/404 404 | 401 401 401",
    ("POST", "/staff/cases/{case_id}/video"):
        "403 403 403 | 2xx/404 2xx/404 403/404 404 | 401 401 401",
    ("POST", "/staff/cases/{case_id}/video/{meeting_id}/end"):
        "403 403 403 | 2xx/404 2xx/404 403/404 404 | 401 401 401",
    ("POST", "/staff/cases/{case_id}/video/{meeting_id}/interpreter"):
        "403 403 403 | 2xx/404 2xx/404 403/404 404 | 401 401 401",
    ("GET", "/staff/regions"):                "403 403 403 | 2xx 2xx 2xx 2xx | 401 401 401",
    # --- staff: bookings of the unit -------------------------------------------------------------------------------
    ("GET", "/staff/units/{unit_id}/bookings"):
        "403 403 403 | 2xx/404 2xx/404 2xx/404 2xx/404 | 401 401 401",
    # the booked time has not begun: in scope, too early to call it a no-show
    ("POST", "/staff/bookings/{booking_id}/no-show"):
        "403 403 403 | 409/404 409/404 409/404 404 | 401 401 401",
    ("DELETE", "/staff/bookings/{booking_id}"):
        "403 403 403 | 2xx/404 2xx/404 2xx/404 404 | 401 401 401",
    # --- staff: the unit's schedule, templates, settings, invites ---------------------------------------------------
    # the test region sends no text messages: in scope, not available (409)
    ("POST", "/staff/units/{unit_id}/phone-invites"):
        "403 403 403 | 409/404 409/404 409/404 409/404 | 401 401 401",
    ("GET", "/staff/units/{unit_id}/schedule"):
        "403 403 403 | 2xx/404 2xx/404 2xx/404 2xx/404 | 401 401 401",
    ("PUT", "/staff/units/{unit_id}/schedule/availability/{availability_id}"):
        "403 403 403 | 403/404 403/404 403/404 2xx/404 | 401 401 401",
    ("DELETE", "/staff/units/{unit_id}/schedule/availability/{availability_id}"):
        "403 403 403 | 403/404 403/404 403/404 2xx/404 | 401 401 401",
    ("PUT", "/staff/units/{unit_id}/schedule/exceptions/{exception_id}"):
        "403 403 403 | 403/404 403/404 403/404 2xx/404 | 401 401 401",
    ("DELETE", "/staff/units/{unit_id}/schedule/exceptions/{exception_id}"):
        "403 403 403 | 403/404 403/404 403/404 2xx/404 | 401 401 401",
    # a unit's phrase templates: anyone who works at the unit (services/templates.py), none of another unit
    ("GET", "/staff/templates"):
        "403 403 403 | 2xx/404 2xx/404 2xx/404 2xx/404 | 401 401 401",
    ("POST", "/staff/templates"):
        "403 403 403 | 2xx/404 2xx/404 2xx/404 2xx/404 | 401 401 401",
    ("PUT", "/staff/templates/{template_id}"):
        "403 403 403 | 2xx/404 2xx/404 2xx/404 2xx/404 | 401 401 401",
    ("DELETE", "/staff/templates/{template_id}"):
        "403 403 403 | 2xx/404 2xx/404 2xx/404 2xx/404 | 401 401 401",
    ("GET", "/staff/units/{unit_id}/settings"):
        "403 403 403 | 403/404 403/404 403/404 2xx/404 | 401 401 401",
    ("PUT", "/staff/units/{unit_id}/settings"):
        "403 403 403 | 403/404 403/404 403/404 2xx/404 | 401 401 401",
    ("PUT", "/staff/units/{unit_id}/staff/{hsa_id}"):
        "403 403 403 | 403/404 403/404 403/404 2xx/404 | 401 401 401",
    # the unit's links, QR codes and website snippet: its administrators (and the region's, none of the roles here)
    ("GET", "/staff/units/{unit_id}/entry-links"):
        "403 403 403 | 403/404 403/404 403/404 2xx/404 | 401 401 401",
    # --- unit administrators: the access log review and the statistics ---------------------------------------------
    ("GET", "/staff/units/{unit_id}/access-log"):
        "403 403 403 | 403/404 403/404 403/404 2xx/404 | 401 401 401",
    ("POST", "/staff/units/{unit_id}/access-log/sample"):
        "403 403 403 | 403/404 403/404 403/404 2xx/404 | 401 401 401",
    ("GET", "/staff/units/{unit_id}/statistics"):
        "403 403 403 | 403/404 403/404 403/404 2xx/404 | 401 401 401",
    ("GET", "/staff/units/{unit_id}/statistics.csv"):
        "403 403 403 | 403/404 403/404 403/404 2xx/404 | 401 401 401",
    ("GET", "/staff/units/{unit_id}/triage-quality"):
        "403 403 403 | 403/404 403/404 403/404 2xx/404 | 401 401 401",
    # --- the region's administrators (none of the roles is one) -----------------------------------------------------
    ("GET", "/staff/region/access"):          "403 403 403 | 2xx 2xx 2xx 2xx | 401 401 401",
    ("GET", "/staff/region"):                 "403 403 403 | 403 403 403 403 | 401 401 401",
    ("PUT", "/staff/region/settings"):        "403 403 403 | 403 403 403 403 | 401 401 401",
    ("PUT", "/staff/region/logo"):            "403 403 403 | 403 403 403 403 | 401 401 401",
    ("PUT", "/staff/region/units/{unit_id}"):
        "403 403 403 | 403 403 403 403 | 401 401 401",
    ("PUT", "/staff/region/admins/{hsa_id}"):
        "403 403 403 | 403 403 403 403 | 401 401 401",
    # the routing overview and simulator: no patient data, still the region's administrators' only
    ("GET", "/staff/region/routing"):         "403 403 403 | 403 403 403 403 | 401 401 401",
    ("POST", "/staff/region/routing/simulate"):
        "403 403 403 | 403 403 403 403 | 401 401 401",
    # --- last: logging out (each cell with a session of its own) ---------------------------------------------------
    ("POST", "/auth/logout"):                 "2xx 2xx 2xx | 2xx 2xx 2xx 2xx | 401 401 401",
}
# fmt: on


def _row(line: str) -> dict[str, str]:
    values = line.replace("|", " ").split()
    assert len(values) == len(ROLES), line
    return {role: value.replace("/", " ") for role, value in zip(ROLES, values, strict=True)}


MATRIX: dict[tuple[str, str], dict[str, str]] = {route: _row(line) for route, line in TABLE.items()}
