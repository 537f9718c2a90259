"""app.py registers every route from the table in chalicelib/api/routes.py and imports a route module only when one
of its routes is first called: the table must list exactly the routes the modules declare, and a cold start must not
load the modules it does not use."""

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
    assert seen["health"] == ["core_models", "http", "openapi", "public", "routes"]


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
