"""The yardstick of ``bench.coldstart``: a bare Chalice + boto3 app serving the same two requests as Nära's
(``GET /health``; ``GET /me`` checks the bearer token's signature and reads the session from DynamoDB)."""

from __future__ import annotations

import os
from typing import Any

import boto3
import jwt
from chalice.app import Chalice, Response

app = Chalice(app_name="bare")
_table = os.environ.get("NARA_TABLE", "")
_ddb = boto3.client("dynamodb", endpoint_url=os.environ.get("NARA_AWS_ENDPOINT") or None)


@app.route("/health")
def health() -> dict[str, str]:
    return {"status": "ok"}


@app.route("/me")
def me() -> Any:
    request = app.current_request
    header = (request.headers if request is not None else {}).get("authorization", "")
    try:
        claims = jwt.decode(
            header.removeprefix("Bearer "),
            os.environ["NARA_SESSION_KEY"],
            algorithms=["HS256"],
            audience=os.environ["NARA_TENANT"],
        )
    except jwt.InvalidTokenError:
        return Response(body={"error": "unauthenticated"}, status_code=401)
    key = {"pk": {"S": f"T#{claims['aud']}#SESSION#{claims['sid']}"}, "sk": {"S": "SESSION"}}
    if "Item" not in _ddb.get_item(TableName=_table, Key=key):
        return Response(body={"error": "unauthenticated"}, status_code=401)
    return {"subject": claims["sub"], "name": claims["name"], "kind": claims["kind"]}
