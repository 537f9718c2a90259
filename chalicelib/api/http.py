"""Parsing requests and shaping responses; the one place domain errors become HTTP statuses."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any, TypeVar

from chalice.app import Request, Response
from pydantic import BaseModel, ValidationError

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
from chalicelib.domain.model import Principal, PrincipalKind

M = TypeVar("M", bound=BaseModel)

MAX_BODY_BYTES = 64 * 1024
JSON = {"Content-Type": "application/json; charset=utf-8"}

STATUS: dict[type[DomainError], int] = {
    NotFound: 404,
    Unauthenticated: 401,
    Forbidden: 403,
    Conflict: 409,
    ValidationFailed: 422,
    PayloadTooLarge: 413,
    RateLimited: 429,
}


def error_response(status: int, code: str, message: str, field: str | None = None) -> Response:
    detail: dict[str, Any] = {"code": code, "message": message}
    if field:
        detail["field"] = field
    return Response(body=json.dumps({"error": detail}, ensure_ascii=False), status_code=status, headers=dict(JSON))


def domain_error_response(error: DomainError) -> Response:
    status = next((s for kind, s in STATUS.items() if isinstance(error, kind)), 400)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    response = error_response(status, error.code, error.message, error.field)
    if headers:
        response.headers.update(headers)
    return response


def validation_error_response(error: ValidationError) -> Response:
    first = error.errors()[0]
    field = ".".join(str(p) for p in first.get("loc", ())) or None
    message = f"{field}: {first.get('msg')}" if field else str(first.get("msg"))
    return error_response(422, "validation_failed", message, field)


def handle_errors(view: Callable[..., Response]) -> Callable[..., Response]:
    """Turn the domain's errors into HTTP answers; Chalice would make any exception a bare 500."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Response:
        try:
            return view(*args, **kwargs)
        except DomainError as error:
            return domain_error_response(error)
        except ValidationError as error:
            return validation_error_response(error)

    return wrapped


def respond(model: BaseModel, status: int = 200) -> Response:
    return Response(body=model.model_dump_json(), status_code=status, headers=dict(JSON))


def parse_body(model: type[M], request: Request) -> M:
    raw = request.raw_body or b""
    if len(raw) > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"The body is {len(raw)} bytes; at most {MAX_BODY_BYTES} are allowed.")
    try:
        data = json.loads(raw or b"null")
    except (ValueError, UnicodeDecodeError) as error:
        raise ValidationFailed("The body is not valid JSON.") from error
    if not isinstance(data, dict):
        raise ValidationFailed("The body must be a JSON object.")
    return model.model_validate(data)


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


def principal(request: Request) -> Principal:
    headers: dict[str, str] = dict(request.headers or {})
    header = headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Unauthenticated("Log in first: the request has no session token.")
    return bootstrap.container().tokens.verify(token.strip(), now=bootstrap.utc_now())


def citizen(request: Request) -> Principal:
    who = principal(request)
    if who.kind is not PrincipalKind.CITIZEN:
        raise Forbidden("This part of the service is for citizens.")
    return who


def staff(request: Request) -> Principal:
    who = principal(request)
    if who.kind is not PrincipalKind.STAFF:
        raise Forbidden("This part of the service is for care staff.")
    return who


def idempotency_key(request: Request) -> str:
    headers: dict[str, str] = dict(request.headers or {})
    key = headers.get("idempotency-key", "").strip()
    if not 8 <= len(key) <= 128:
        raise ValidationFailed("Send an Idempotency-Key header of 8–128 characters, new for each action.",
                               field="Idempotency-Key")
    return key
