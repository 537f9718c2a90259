"""app.py registers every route from the table in chalicelib/api/routes.py and imports a route module only when one
of its routes is first called: the table must list exactly the routes the modules declare, and a cold start must not
load the modules it does not use. ``/health`` and ``/me``, a Lambda's usual first requests, are answered without
pydantic and without the models of cases, in the very bytes their models would give."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_the_app_serves_exactly_the_routes_the_modules_declare() -> None:
    import app as app_module
    from chalicelib.api import routes
    from chalicelib.api.openapi import registry

    routes.load_all()  # raises if the table and the modules' @operation declarations differ
    served = {(method, path) for path, methods in app_module.app.routes.items() for method in methods}
    assert served == {(op.method, op.path) for op in registry()}
    assert len(served) == len(routes.ROUTES)


def test_a_route_missing_from_the_table_is_named_when_the_modules_load(monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib.api import routes

    dropped = routes.ROUTES[0]
    monkeypatch.setattr(routes, "ROUTES", routes.ROUTES[1:])
    with pytest.raises(RuntimeError, match="add") as error:
        routes.load_all()
    assert repr(dropped) in str(error.value)


def test_a_cold_start_loads_only_the_route_module_of_the_route_it_serves() -> None:
    probe = """
import json, sys
import app
from chalice.test import Client
loaded = lambda: sorted(m.rsplit(".", 1)[1] for m in sys.modules if m.startswith("chalicelib.api."))
at_import = loaded()
with Client(app.app) as client:
    status = client.http.get("/health").status_code
print(json.dumps({"import": at_import, "health": loaded(), "status": status}))
"""
    env = {**os.environ, "NARA_TENANT": "demo", "AWS_REGION": "eu-north-1"}
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=True
    )
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["import"] == ["http", "routes"]
    assert seen["status"] == 200
    assert seen["health"] == ["http", "openapi", "public", "routes"]


def test_route_modules_imported_before_the_app_still_serve_their_routes() -> None:
    probe = """
from chalicelib.api.openapi import REGISTRY  # imports every route module, as some tests do, before app.py
import app
from chalice.test import Client
from chalicelib.api.routes import ROUTES
with Client(app.app) as client:
    print(client.http.get("/health").status_code, len(REGISTRY), len(ROUTES))
"""
    env = {**os.environ, "NARA_TENANT": "demo", "AWS_REGION": "eu-north-1"}
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=True
    )
    status, registered, listed = done.stdout.split()
    assert status == "200" and registered == listed and int(listed) > 100  # every route, each once


def test_health_and_me_are_answered_without_pydantic_and_without_the_models_of_cases() -> None:
    probe = """
import json, sys
import boto3
from moto import mock_aws
from infrastructure.definitions import TenantResources
with mock_aws():
    boto3.client("dynamodb").create_table(**TenantResources("demo").main_table)
    import app
    from chalice.test import Client
    from chalicelib import bootstrap
    from chalicelib.domain.principal import Principal, PrincipalKind, UnitRole
    nurse = Principal("demo", PrincipalKind.STAFF, "SE-S1", "Syster Åsa", "siths", "loa3", (UnitRole("U1", "nurse"),))
    token = bootstrap.container().sessions.open(nurse)
    with Client(app.app) as client:
        health = client.http.get("/health")
        me = client.http.get("/me", headers={"Authorization": f"Bearer {token}"})
    loaded = [m for m in ("pydantic", "chalicelib.adapters.dynamo", "chalicelib.domain.model") if m in sys.modules]
    print(json.dumps({"health": [health.status_code, health.body.decode()], "me": [me.status_code, me.body.decode()],
                      "loaded": loaded}))
"""
    env = {
        **os.environ,
        "NARA_TENANT": "demo",
        "AWS_REGION": "eu-north-1",
        "AWS_DEFAULT_REGION": "eu-north-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "NARA_SESSION_KEY": "test-session-key-of-at-least-32-characters",
    }
    env.pop("NARA_AWS_ENDPOINT", None)
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=True
    )
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["health"] == [200, '{"status":"ok","tenant":"demo"}']
    assert seen["me"] == [
        200,
        '{"kind":"staff","hsa_id":"SE-S1","display_name":"Syster Åsa","auth_method":"siths",'
        '"roles":[{"unit_id":"U1","role":"nurse"}]}',
    ]
    assert seen["loaded"] == []


NAMES = ("Anna Andersson", "Åsa Öberg-Ängström", 'Lisa "Lisen" \\ Berg', "Tab\tand\nnewline\u0001\u007f", "Zoë 👩‍⚕️ 李")


@pytest.mark.parametrize("name", NAMES)
def test_the_bodies_of_health_and_me_are_the_bytes_their_models_would_write(name: str) -> None:
    from chalicelib.api import http, public
    from chalicelib.api.core_models import Health, Me, RoleView
    from chalicelib.domain.principal import Principal, PrincipalKind, UnitRole

    staff = Principal("demo", PrincipalKind.STAFF, "SE-S1", name, "siths", "loa3", (UnitRole("U1", "nurse"),))
    citizen = Principal("demo", PrincipalKind.CITIZEN, "hash-of-personnummer", name, "bankid", "loa3")
    for who in (staff, citizen):
        modelled = Me(
            kind=who.kind.value,
            hsa_id=who.subject if who.is_staff else None,
            display_name=who.display_name,
            auth_method=who.auth_method,
            roles=[RoleView(unit_id=r.unit_id, role=r.role) for r in who.roles],
        )
        assert http.respond_json(public.me_body(who)).body == modelled.model_dump_json()
    assert http.respond_json(public.health_body(name)).body == Health(status="ok", tenant=name).model_dump_json()
