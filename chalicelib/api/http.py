"""Parsing requests and shaping responses; the one place domain errors become HTTP statuses.

Pydantic is not imported here: the routes a Lambda mostly starts with (``/health``, ``/me``) use no model of it, and
importing it costs a cold start some 70 ms. A route whose module uses models has imported it by then.
"""

from __future__ import annotations

import contextvars
import enum
import functools
import json
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar, cast

from chalice.app import Request, Response

from chalicelib import bootstrap
from chalicelib.domain.errors import (
    Conflict,
    DomainError,
    Forbidden,
    NotFound,
    PayloadTooLarge,
    RateLimited,
    Unauthenticated,
    ValidationFailed,
)
from chalicelib.domain.principal import Principal, PrincipalKind

if TYPE_CHECKING:
    from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound="BaseModel")

MAX_BODY_BYTES = 64 * 1024
JSON = {"Content-Type": "application/json; charset=utf-8"}
# Every answer of the API is kept by no cache (browser, proxy, CDN) unless its view says otherwise: most carry
# patient data or a session, and the few that do not gain nothing from caching. Set in ``guarded``, one place.
NO_STORE = {"Cache-Control": "no-store"}

STATUS: dict[type[DomainError], int] = {
    NotFound: 404,
    Unauthenticated: 401,
    Forbidden: 403,
    Conflict: 409,
    ValidationFailed: 422,
    PayloadTooLarge: 413,
    RateLimited: 429,
}


def error_response(
    status: int, code: str, message: str, field: str | None = None, message_sv: str | None = None
) -> Response:
    detail: dict[str, Any] = {"code": code, "message": message}
    if message_sv:
        detail["message_sv"] = message_sv
    if field:
        detail["field"] = field
    return Response(body=json.dumps({"error": detail}, ensure_ascii=False), status_code=status, headers=dict(JSON))


def domain_error_response(error: DomainError) -> Response:
    status = next((s for kind, s in STATUS.items() if isinstance(error, kind)), 400)
    response = error_response(status, error.code, error.message, error.field, error.message_sv)
    if status == 401:
        response.headers["WWW-Authenticate"] = "Bearer"
    retry_after = getattr(error, "retry_after", None)  # a LimitReached (domain/rate_limits.py) says when to retry
    if isinstance(error, RateLimited) and retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    return response


def _swedish(kind: str, context: dict[str, Any]) -> str:
    """The Swedish words for pydantic's error kinds that a person can meet in a form."""
    if kind in ("string_too_short", "missing") and context.get("min_length", 1) <= 1:
        return "Fältet måste fyllas i."
    if kind == "string_too_short":
        return f"Skriv minst {context.get('min_length')} tecken."
    if kind == "string_too_long":
        return f"Texten får vara högst {context.get('max_length')} tecken."
    if kind in ("literal_error", "enum"):
        return f"Välj ett av värdena: {context.get('expected', '')}."
    if kind == "extra_forbidden":
        return "Fältet är okänt här; ta bort det."
    if kind == "string_unicode":
        return "Texten innehåller ett ogiltigt tecken; ta bort det och skicka igen."
    return "Värdet har fel form; kontrollera fältet."


def validation_error_response(error: ValidationError) -> Response:
    first = error.errors()[0]
    field = ".".join(str(p) for p in first.get("loc", ())) or None
    message = f"{field}: {first.get('msg')}" if field else str(first.get("msg"))
    return error_response(
        422, "validation_failed", message, field, _swedish(first.get("type", ""), dict(first.get("ctx") or {}))
    )


# Chalice answers a few requests itself, before or around any view, as {"Code", "Message"}: a Content-Type other
# than JSON (415), a method the path does not have (405), a view that failed unexpectedly (500). ``in_api_shape``
# gives them the API's own error body, so that every client reads every error the same way.
_CHALICE_ERRORS: dict[int, tuple[str, str, str]] = {
    415: (
        "unsupported_media_type",
        "Send the body as JSON, with Content-Type: application/json.",
        "Skicka innehållet som JSON, med Content-Type: application/json.",
    ),
    405: ("method_not_allowed", "This address does not take that method.", "Adressen tar inte emot den metoden."),
    500: (
        "internal_error",
        "Something went wrong on our side; try again in a while.",
        "Något gick fel hos oss; försök igen om en stund.",
    ),
}


def in_api_shape(response: Response) -> Response:
    """Chalice's own error answers in the API's error shape; every other answer unchanged."""
    if response.status_code < 400:
        return response
    body = response.body
    if isinstance(body, bytes | str):
        try:
            body = json.loads(body or "null")
        except ValueError:
            return response
    if not (isinstance(body, dict) and set(body) == {"Code", "Message"} and response.status_code >= 400):
        return response
    code, message, message_sv = _CHALICE_ERRORS.get(
        response.status_code, ("bad_request", "The request could not be handled.", "Begäran kunde inte hanteras.")
    )
    if response.status_code < 500:
        message = f"{body['Message']}. {message}"
    shaped = error_response(response.status_code, code, message, message_sv=message_sv)
    kept = {k: v for k, v in response.headers.items() if k.lower() != "content-type"}
    shaped.headers.update({**NO_STORE, **kept})
    return shaped


def respond(model: BaseModel, status: int = 200) -> Response:
    return Response(body=model.model_dump_json(), status_code=status, headers=dict(JSON))


def respond_json(body: dict[str, Any], status: int = 200) -> Response:
    """A body written without a model, in the same form as ``respond`` writes a model's (compact, UTF-8)."""
    return Response(
        body=json.dumps(body, ensure_ascii=False, separators=(",", ":")), status_code=status, headers=dict(JSON)
    )


def parse_body(model: type[M], request: Request, *, max_bytes: int = MAX_BODY_BYTES) -> M:
    """The body as ``model``; larger than ``max_bytes`` (64 KB unless a route takes more, e.g. a logo): 413."""
    raw = request.raw_body or b""
    if len(raw) > max_bytes:
        raise PayloadTooLarge(
            f"The body is {len(raw)} bytes; at most {max_bytes} are allowed.",
            message_sv=f"Innehållet är för stort ({len(raw)} byte); högst {max_bytes} byte är tillåtet.",
        )
    try:
        data = json.loads(raw or b"null")
    except (ValueError, UnicodeDecodeError) as error:
        raise ValidationFailed("The body is not valid JSON.", message_sv="Innehållet är inte giltig JSON.") from error
    except RecursionError as error:  # arrays or objects nested hundreds deep: no form of ours has more than a few
        raise ValidationFailed(
            "The body is nested too deeply to be one of this API's forms.",
            message_sv="Innehållet är för djupt nästlat för att vara ett av tjänstens formulär.",
        ) from error
    if not isinstance(data, dict):
        raise ValidationFailed("The body must be a JSON object.", message_sv="Innehållet måste vara ett JSON-objekt.")
    return model.model_validate(data)


def client_ip(request: Request) -> str:
    """The address of the client as API Gateway saw it (``requestContext.identity.sourceIp``; the local gateway
    passes the real peer address the same way). API Gateway always gives one; the fallback keeps BankID's
    ``endUserIp`` a valid address."""
    identity = (request.context or {}).get("identity") or {}
    return str(identity.get("sourceIp") or "127.0.0.1")


def query(request: Request, name: str) -> str | None:
    params = request.query_params
    value = params.get(name) if params else None
    return value if value else None


def int_query(request: Request, name: str, default: int) -> int:
    raw = query(request, name)
    if raw is None:
        return default
    if not raw.isdigit() or len(raw) > 10:
        raise ValidationFailed(f"{name} must be a whole number ≥ 0.", field=name)
    return int(raw)


class Access(enum.Enum):
    """Who may call a route. Every route declares one; a test fails on any route without it."""

    PUBLIC = "public"  # anyone, no session
    ANY = "any"  # a logged-in citizen or staff member
    CITIZEN = "citizen"
    STAFF = "staff"
    REGION = "region"  # a partner region's stack: no session, a request signed with its key (the view checks it)


_who: contextvars.ContextVar[tuple[Principal, str] | None] = contextvars.ContextVar("principal", default=None)


def _bearer(request: Request) -> str:
    headers: dict[str, str] = dict(request.headers or {})
    scheme, _, token = headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("Log in first: the request has no session token.")
    return token.strip()


def authenticate(request: Request, access: Access) -> tuple[Principal, str] | None:
    """Check the session and the route's access rule; returns (principal, token), None for public routes."""
    if access in (Access.PUBLIC, Access.REGION):
        return None
    token = _bearer(request)
    principal = bootstrap.container().sessions.verify(token)
    if access is Access.CITIZEN and principal.kind is not PrincipalKind.CITIZEN:
        raise Forbidden("This part of the service is for citizens.")
    if access is Access.STAFF and principal.kind is not PrincipalKind.STAFF:
        raise Forbidden("This part of the service is for care staff.")
    return principal, token


def _validation_errors() -> tuple[type[Exception], ...]:
    """Pydantic's ValidationError, if pydantic is loaded: a view that used no model can raise none."""
    core = sys.modules.get("pydantic_core")
    return (core.ValidationError,) if core is not None else ()


def guarded(
    view: Callable[..., Response], access: Access, request_of: Callable[[], Request]
) -> Callable[..., Response]:
    """Authenticate per the route's access rule, then run the view; domain errors become HTTP answers, and every
    answer is ``no-store`` unless the view set its own ``Cache-Control``."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Response:
        reset = None
        try:
            reset = _who.set(authenticate(request_of(), access))
            response = view(*args, **kwargs)
        except DomainError as error:
            response = domain_error_response(error)
        except _validation_errors() as error:  # evaluated only when something was raised
            response = validation_error_response(cast("ValidationError", error))
        finally:
            if reset is not None:
                _who.reset(reset)
        if not any(name.lower() == "cache-control" for name in response.headers):
            response.headers.update(NO_STORE)
        return response

    return wrapped


def who() -> Principal:
    """The authenticated principal of the current request (only inside a guarded, non-public route)."""
    current = _who.get()
    if current is None:
        raise Unauthenticated("Log in first.")
    return current[0]


def session_token() -> str:
    current = _who.get()
    if current is None:
        raise Unauthenticated("Log in first.")
    return current[1]


def idempotency_key(request: Request) -> str:
    headers: dict[str, str] = dict(request.headers or {})
    key = headers.get("idempotency-key", "").strip()
    if not 8 <= len(key) <= 128:
        raise ValidationFailed(
            "Send an Idempotency-Key header of 8–128 characters, new for each action.", field="Idempotency-Key"
        )
    return key
