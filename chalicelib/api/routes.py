"""Every route of the API in one table, so that ``app.py`` registers them all with Chalice without importing the
route modules. Chalice must know every route when the Lambda starts, but a route module (its request and response
models, the domain modules it uses) is only imported when one of its routes is first called: a cold start that
serves ``/health`` and ``/me`` loads ``public`` and nothing else of ``chalicelib.api``.

Each route is still declared in its module, with ``@operation`` (path, method, access, models: see ``openapi``). This
table repeats only what Chalice needs beforehand: the module, the view's name, the method and the path. It is checked
against the modules' declarations whenever they are all loaded (``load_all``: the OpenAPI document, its tests), so a
route added to a module and not here, or the other way round, fails loudly rather than going missing.
"""

from __future__ import annotations

import importlib
import sys
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from chalice.app import Chalice, Response

# (module in chalicelib.api, view function, method, path), in the order the OpenAPI document lists them.
ROUTES: tuple[tuple[str, str, str, str], ...] = (
    ("booking", "case_slots", "GET", "/citizen/cases/{case_id}/slots"),
    ("booking", "offered_slots", "GET", "/citizen/cases/{case_id}/offered-slots"),
    ("booking", "get_booking", "GET", "/citizen/cases/{case_id}/booking"),
    ("booking", "book", "POST", "/citizen/cases/{case_id}/booking"),
    ("booking", "reschedule", "PUT", "/citizen/cases/{case_id}/booking"),
    ("booking", "cancel", "DELETE", "/citizen/cases/{case_id}/booking"),
    ("booking", "booking_ics", "GET", "/citizen/cases/{case_id}/booking.ics"),
    ("booking", "unit_calendar", "GET", "/staff/units/{unit_id}/bookings"),
    ("booking", "no_show", "POST", "/staff/bookings/{booking_id}/no-show"),
    ("booking", "staff_cancel", "DELETE", "/staff/bookings/{booking_id}"),
    ("booking", "staff_case_slots", "GET", "/staff/cases/{case_id}/slots"),
    ("booking", "offer", "POST", "/staff/cases/{case_id}/offer"),
    ("accesslog", "citizen_extract", "GET", "/citizen/access-log"),
    ("accesslog", "review_search", "GET", "/staff/units/{unit_id}/access-log"),
    ("accesslog", "review_sample", "POST", "/staff/units/{unit_id}/access-log/sample"),
    ("admin", "get_unit_settings", "GET", "/staff/units/{unit_id}/settings"),
    ("admin", "put_unit_settings", "PUT", "/staff/units/{unit_id}/settings"),
    ("admin", "put_staff_roles", "PUT", "/staff/units/{unit_id}/staff/{hsa_id}"),
    ("auth", "logout", "POST", "/auth/logout"),
    ("auth", "ws_ticket", "POST", "/auth/ws-ticket"),
    ("chat", "post_message", "POST", "/cases/{case_id}/messages"),
    ("chat", "list_messages", "GET", "/cases/{case_id}/messages"),
    ("chat", "mark_read", "POST", "/cases/{case_id}/read"),
    ("chat", "request_photo", "POST", "/staff/cases/{case_id}/photo-request"),
    ("citizen", "my_cases", "GET", "/citizen/cases"),
    ("citizen", "my_case", "GET", "/citizen/cases/{case_id}"),
    ("citizen", "contact_anyway", "POST", "/citizen/cases/{case_id}/contact"),
    ("citizen", "waiting_room", "GET", "/citizen/cases/{case_id}/waiting"),
    ("citizen", "emergency_departments", "GET", "/emergency-departments"),
    ("citizen", "my_children", "GET", "/citizen/children"),
    ("citizen", "my_listing", "GET", "/citizen/listing"),
    ("entry_points", "unit_qr", "GET", "/units/{unit_id}/qr.svg"),
    ("entry_points", "unit_entry_links", "GET", "/staff/units/{unit_id}/entry-links"),
    ("staff", "queue", "GET", "/staff/queue"),
    ("staff", "my_cases", "GET", "/staff/my-cases"),
    ("staff", "open_case", "GET", "/staff/cases/{case_id}"),
    ("staff", "claim_case", "POST", "/staff/cases/{case_id}/claim"),
    ("staff", "release_case", "POST", "/staff/cases/{case_id}/release"),
    ("staff", "hand_over_case", "POST", "/staff/cases/{case_id}/hand-over"),
    ("staff", "close_case", "POST", "/staff/cases/{case_id}/close"),
    ("staff", "override_case", "POST", "/staff/cases/{case_id}/override"),
    ("staff", "refer_case", "POST", "/staff/cases/{case_id}/refer"),
    ("staff", "accept_referral", "POST", "/staff/cases/{case_id}/referral/accept"),
    ("staff", "reject_referral", "POST", "/staff/cases/{case_id}/referral/reject"),
    ("interregion", "partner_regions", "GET", "/staff/regions"),
    ("interregion", "refer_to_region", "POST", "/staff/cases/{case_id}/refer-region"),
    ("interregion", "jwks", "GET", "/interregion/jwks.json"),
    ("interregion", "receive_referral", "POST", "/interregion/referrals"),
    ("interregion", "receive_answer", "POST", "/interregion/referrals/{referral_id}/answer"),
    ("invites", "send_phone_invite", "POST", "/staff/units/{unit_id}/phone-invites"),
    ("invites", "open_phone_invite", "GET", "/citizen/phone-invites/{token}"),
    ("login", "methods", "GET", "/auth/methods"),
    ("login", "bankid_start", "POST", "/auth/bankid/start"),
    ("login", "bankid_collect", "POST", "/auth/bankid/collect"),
    ("login", "bankid_qr", "POST", "/auth/bankid/qr"),
    ("login", "bankid_cancel", "POST", "/auth/bankid/cancel"),
    ("login", "oidc_start", "GET", "/auth/oidc/{provider}/start"),
    ("login", "oidc_callback", "GET", "/auth/oidc/{provider}/callback"),
    ("login", "exchange", "POST", "/auth/exchange"),
    ("photos", "request_photo_upload", "POST", "/citizen/triage/{draft_id}/photos"),
    ("photos", "complete_photo", "POST", "/citizen/triage/{draft_id}/photos/{photo_id}/complete"),
    ("photos", "remove_photo", "DELETE", "/citizen/triage/{draft_id}/photos/{photo_id}"),
    ("photos", "draft_photos", "GET", "/citizen/triage/{draft_id}/photos"),
    ("photos", "case_photos_for_citizen", "GET", "/citizen/cases/{case_id}/photos"),
    ("photos", "case_photos_for_staff", "GET", "/staff/cases/{case_id}/photos"),
    ("photos", "request_case_photo_upload", "POST", "/citizen/cases/{case_id}/photos"),
    ("photos", "complete_case_photo", "POST", "/citizen/cases/{case_id}/photos/{photo_id}/complete"),
    ("photos", "case_photo_for_citizen", "GET", "/citizen/cases/{case_id}/photos/{photo_id}"),
    ("photos", "case_photo_for_staff", "GET", "/staff/cases/{case_id}/photos/{photo_id}"),
    ("public", "health", "GET", "/health"),
    ("public", "openapi", "GET", "/openapi.json"),
    ("public", "units", "GET", "/units"),
    ("public", "me", "GET", "/me"),
    ("record", "journal", "GET", "/staff/cases/{case_id}/journal"),
    ("record", "fhir", "GET", "/staff/cases/{case_id}/fhir"),
    ("region_admin", "get_branding", "GET", "/branding"),
    ("region_admin", "get_uploaded_logo", "GET", "/branding/uploads/{name}"),
    ("region_admin", "get_region_access", "GET", "/staff/region/access"),
    ("region_admin", "get_region", "GET", "/staff/region"),
    ("region_admin", "put_region_settings", "PUT", "/staff/region/settings"),
    ("region_admin", "put_region_logo", "PUT", "/staff/region/logo"),
    ("region_admin", "put_region_unit", "PUT", "/staff/region/units/{unit_id}"),
    ("region_admin", "put_region_admin", "PUT", "/staff/region/admins/{hsa_id}"),
    ("region_routing", "get_region_routing", "GET", "/staff/region/routing"),
    ("region_routing", "simulate_routing", "POST", "/staff/region/routing/simulate"),
    ("schedule", "get_schedule", "GET", "/staff/units/{unit_id}/schedule"),
    ("schedule", "put_availability", "PUT", "/staff/units/{unit_id}/schedule/availability/{availability_id}"),
    ("schedule", "delete_availability", "DELETE", "/staff/units/{unit_id}/schedule/availability/{availability_id}"),
    ("schedule", "put_exception", "PUT", "/staff/units/{unit_id}/schedule/exceptions/{exception_id}"),
    ("schedule", "delete_exception", "DELETE", "/staff/units/{unit_id}/schedule/exceptions/{exception_id}"),
    ("statistics", "unit_statistics", "GET", "/staff/units/{unit_id}/statistics"),
    ("statistics", "unit_statistics_csv", "GET", "/staff/units/{unit_id}/statistics.csv"),
    ("statistics", "unit_triage_quality", "GET", "/staff/units/{unit_id}/triage-quality"),
    ("templates", "list_templates", "GET", "/staff/templates"),
    ("templates", "create_template", "POST", "/staff/templates"),
    ("templates", "edit_template", "PUT", "/staff/templates/{template_id}"),
    ("templates", "delete_template", "DELETE", "/staff/templates/{template_id}"),
    ("triage", "begin_triage", "POST", "/citizen/triage"),
    ("triage", "unfinished_triages", "GET", "/citizen/triage"),
    ("triage", "update_intake", "PATCH", "/citizen/triage/{draft_id}"),
    ("triage", "search_complaints", "GET", "/citizen/triage/{draft_id}/complaints"),
    ("triage", "advice", "GET", "/citizen/advice/{advice_id}"),
    ("triage", "current_triage", "GET", "/citizen/triage/{draft_id}"),
    ("triage", "answer_triage", "POST", "/citizen/triage/{draft_id}/answers"),
    ("triage", "back_triage", "POST", "/citizen/triage/{draft_id}/back"),
    ("triage", "submit_triage", "POST", "/citizen/triage/{draft_id}/submit"),
    ("video", "start_meeting", "POST", "/staff/cases/{case_id}/video"),
    ("video", "end_meeting", "POST", "/staff/cases/{case_id}/video/{meeting_id}/end"),
    ("video", "invite_interpreter", "POST", "/staff/cases/{case_id}/video/{meeting_id}/interpreter"),
    ("video", "live_meeting", "GET", "/citizen/cases/{case_id}/video"),
    ("video", "ice_servers", "GET", "/video/ice-servers"),
    ("video", "open_interpreter_session", "POST", "/video/interpreter/session"),
    ("video", "interpreter_ticket", "POST", "/video/interpreter/ws-ticket"),
)

# The order app.py registered the modules' blueprints in; the app's routes keep it.
MODULES = (
    "public",
    "auth",
    "login",
    "citizen",
    "staff",
    "chat",
    "triage",
    "photos",
    "templates",
    "record",
    "video",
    "booking",
    "schedule",
    "invites",
    "accesslog",
    "statistics",
    "admin",
    "region_admin",
    "interregion",
    "entry_points",
    "region_routing",
)

_lock = threading.RLock()
_apps: list[Chalice] = []  # the app the routes were registered with (one per process)
_attached: set[str] = set()  # the route modules whose blueprint is attached to it


def register(app: Chalice) -> None:
    """Registers every route of the table with ``app``; each route's module is imported on its first call."""
    _apps[:] = [app]
    _attached.clear()
    for module in MODULES:
        for name, method, path in ((n, m, p) for mod, n, m, p in ROUTES if mod == module):
            app.route(path, methods=[method], name=name)(_stand_in(module, method, path, name))
    _load()  # route modules imported before the app was made (by a test, say) are attached to it now


def _stand_in(module: str, method: str, path: str, name: str) -> Callable[..., Response]:
    """The view Chalice calls for one route: the module's own (guarded) view, its module imported if need be."""

    def view(**params: Any) -> Response:
        return _view(module, method, path)(**params)

    view.__name__ = view.__qualname__ = name
    return view


def _view(module: str, method: str, path: str) -> Callable[..., Response]:
    if module not in _attached:  # its first call: import the module (if nothing did yet) and attach its blueprint
        _load(module)
    from chalicelib.api.openapi import VIEWS

    found = VIEWS.get((method, path))
    if found is None:
        raise LookupError(f"chalicelib.api.{module} declares no {method} {path} (see chalicelib/api/routes.py)")
    return found


def _load(*modules: str) -> None:
    """Imports route modules and attaches their blueprints to the app, so that their views' ``bp.current_request``
    is the app's request. Their blueprints register no routes of their own: the table's are the app's routes."""
    with _lock:
        for module in modules:
            importlib.import_module(f"chalicelib.api.{module}")
        if not _apps:
            return
        for module in MODULES:  # also the ones another route module imported (booking by schedule, for example)
            loaded = sys.modules.get(f"chalicelib.api.{module}")
            if loaded is not None and module not in _attached:
                _apps[0].register_blueprint(loaded.bp)
                _attached.add(module)


def load_all() -> None:
    """Imports every route module, then checks that the table lists exactly the routes they declare."""
    from chalicelib.api.openapi import declared_routes

    _load(*MODULES)
    declared = declared_routes()
    if set(declared) != set(ROUTES):
        missing = sorted(set(declared) - set(ROUTES))
        stale = sorted(set(ROUTES) - set(declared))
        raise RuntimeError(f"chalicelib/api/routes.py does not match the route modules: add {missing}, remove {stale}")
