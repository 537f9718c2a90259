"""The OpenAPI 3 document, built from the routes registered through :func:`operation` and their models."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from chalice.app import Blueprint, Response

from chalicelib.api.http import Access, guarded

if TYPE_CHECKING:
    from pydantic import BaseModel

F = Callable[..., Any]


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    summary: str
    tag: str
    access: Access
    # A route's request and response models: the class, or its dotted name ("chalicelib.api.core_models.Me") when
    # the route answers without building one (``public``: pydantic is not loaded until the document is made).
    request: type[BaseModel] | str | None
    response: type[BaseModel] | str | None
    status: int
    query: tuple[tuple[str, str, bool], ...] = ()  # (name, description, required)
    idempotency_key: bool = False
    errors: tuple[int, ...] = field(default=())
    also: tuple[int, ...] = ()  # other success statuses, with the same body (e.g. 200 for a repeated create)


# What the route modules imported so far declare. ``REGISTRY`` (below) is all of them: it imports every module first.
_DECLARED: list[tuple[tuple[str, str, str, str], Operation]] = []  # ((module, view, method, path), operation)
# The guarded view of each (method, path); ``chalicelib.api.routes`` registers the routes with Chalice and calls these.
VIEWS: dict[tuple[str, str], Callable[..., Response]] = {}


def declared_routes() -> list[tuple[str, str, str, str]]:
    """(module, view, method, path) of each route the route modules imported so far declare."""
    return [route for route, _ in _DECLARED]


def registry() -> list[Operation]:
    """Every route's operation, in the order of ``routes.ROUTES`` (every route module is imported first)."""
    from chalicelib.api import routes

    routes.load_all()
    order = {route: i for i, route in enumerate(routes.ROUTES)}
    return [op for route, op in sorted(_DECLARED, key=lambda declared: order[declared[0]])]


def __getattr__(name: str) -> list[Operation]:
    """``REGISTRY``: every route's operation (see :func:`registry`), computed when asked for, since the route modules
    are imported lazily (``chalicelib.api.routes``)."""
    if name == "REGISTRY":
        return registry()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def operation(
    bp: Blueprint,
    path: str,
    method: str,
    *,
    summary: str,
    tag: str,
    access: Access,
    request: type[BaseModel] | str | None = None,
    response: type[BaseModel] | str | None = None,
    status: int = 200,
    query: tuple[tuple[str, str, bool], ...] = (),
    idempotency_key: bool = False,
    errors: tuple[int, ...] = (),
    also: tuple[int, ...] = (),
) -> Callable[[F], F]:
    """Declare a route's view and describe it for the OpenAPI document in one place. The route itself is registered
    with Chalice by ``chalicelib.api.routes`` (its table lists it), which calls the guarded view kept here."""

    def decorate(fn: F) -> F:
        route = (fn.__module__.rsplit(".", 1)[-1], fn.__name__, method, path)
        op = Operation(
            method, path, summary, tag, access, request, response, status, query, idempotency_key, errors, also
        )
        _DECLARED.append((route, op))
        VIEWS[(method, path)] = guarded(fn, access, lambda: bp.current_request)
        return fn

    return decorate


_ERROR_TEXT = {
    400: "Bad request",
    401: "Not logged in or session expired",
    403: "Not allowed for this role",
    404: "Not found, or outside your scope",
    409: "Conflict",
    413: "Body too large",
    422: "Invalid input",
}


def _model(ref: type[BaseModel] | str) -> type[BaseModel]:
    """The model class of a route's request or response (imported here when the route names it)."""
    if not isinstance(ref, str):
        return ref
    module, _, name = ref.rpartition(".")
    model: type[BaseModel] = getattr(importlib.import_module(module), name)
    return model


def _schema_ref(ref: type[BaseModel] | str, components: dict[str, Any]) -> dict[str, Any]:
    model = _model(ref)
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    for name, sub in schema.pop("$defs", {}).items():
        components[name] = sub
    components[model.__name__] = schema
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _path_parameters(path: str) -> list[dict[str, Any]]:
    names = [part[1:-1] for part in path.split("/") if part.startswith("{") and part.endswith("}")]
    return [{"name": n, "in": "path", "required": True, "schema": {"type": "string"}} for n in names]


def _operation_id(op: Operation) -> str:
    words = op.path.strip("/").replace("{", "").replace("}", "").replace(".", "_").split("/")
    return "_".join([op.method.lower(), *words])


def document(*, title: str, version: str, server_url: str = "/api") -> dict[str, Any]:
    from chalicelib.api.core_models import ErrorBody

    components: dict[str, Any] = {}
    paths: dict[str, dict[str, Any]] = {}
    error_ref = _schema_ref(ErrorBody, components)
    for op in registry():
        params = _path_parameters(op.path)
        params += [
            {"name": n, "in": "query", "required": req, "description": d, "schema": {"type": "string"}}
            for n, d, req in op.query
        ]
        if op.idempotency_key:
            params.append(
                {
                    "name": "Idempotency-Key",
                    "in": "header",
                    "required": True,
                    "description": "A new random key per intended action; a retry with the same key is answered "
                    "with the first result.",
                    "schema": {"type": "string", "minLength": 8, "maxLength": 128},
                }
            )
        spec: dict[str, Any] = {
            "summary": op.summary,
            "tags": [op.tag],
            "operationId": _operation_id(op),
            "parameters": params,
            "responses": {},
        }
        if op.request is not None:
            spec["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": _schema_ref(op.request, components)}},
            }
        ok: dict[str, Any] = {"description": "OK"}
        if op.response is not None:
            ok["content"] = {"application/json": {"schema": _schema_ref(op.response, components)}}
        for status in sorted({op.status, *op.also}):
            spec["responses"][str(status)] = ok
        codes = set(op.errors)
        spec["x-access"] = op.access.value
        if op.access is not Access.PUBLIC:
            codes |= {401}
            spec["security"] = [{"region" if op.access is Access.REGION else "session": []}]
        if op.access in (Access.CITIZEN, Access.STAFF):
            codes |= {403}
        if op.request is not None or op.query or op.idempotency_key:  # a missing or malformed key is 422
            codes |= {400, 422}
        for code in sorted(codes):
            spec["responses"][str(code)] = {
                "description": _ERROR_TEXT.get(code, "Error"),
                "content": {"application/json": {"schema": error_ref}},
            }
        paths.setdefault(op.path, {})[op.method.lower()] = spec
    return {
        "openapi": "3.1.0",  # the models' schemas are JSON Schema 2020-12 (pydantic), as 3.1 has them
        "info": {"title": title, "version": version},
        "servers": [{"url": server_url}],
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {
                "session": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
                "region": {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "JWT",
                    "description": "A partner region's stack: ES256, signed with its key (its /interregion/jwks.json), "
                    "audience this region, with the SHA-256 of the body (docs/referral-across-regions.md)",
                },
            },
        },
    }
