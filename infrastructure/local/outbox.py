"""The local stack's outbox: the SMS (Amazon SNS, or a region's own HTTP gateway) and e-mails (Amazon SES) Nära
sent, as the embedded AWS and the simulated gateway recorded them. Nothing leaves the machine; this page shows what a
citizen's phone and inbox would have received, and which notice each is (docs/notifications.md).

The simulated gateway (``POST /local/sms-gateway``) speaks the generic gateway protocol ``HttpSms`` uses: JSON
``{to, text}`` with the region's bearer token (the secret ``nara/<tenant>/sms/token``); a wrong token is 401."""

from __future__ import annotations

import html
from typing import Any

from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends
from moto.sns.models import sns_backends
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from chalicelib.domain.notices import kind_of

_GATEWAY: list[dict[str, str]] = []  # what the simulated SMS gateway received, oldest first


def sent(region: str) -> dict[str, list[dict[str, str]]]:
    """What was sent, oldest first: {"sms": [{kind, to, text}], "email": [{kind, to, subject, text}]}."""
    sms = [
        {"kind": kind_of(m[1]), "to": m[0], "text": m[1]}
        for m in sns_backends[DEFAULT_ACCOUNT_ID][region].sms_messages.values()
    ] + [{"kind": kind_of(m["text"]), "to": m["to"], "text": m["text"]} for m in _GATEWAY]
    emails = [
        {
            "kind": kind_of(m.body),
            "to": ", ".join(m.destinations.get("ToAddresses", [])),
            "subject": m.subject,
            "text": m.body,
        }
        for m in ses_backends[DEFAULT_ACCOUNT_ID][region].sent_messages
    ]
    return {"sms": sms, "email": emails}


def _kind(kind: str) -> str:
    return f"<code>{html.escape(kind)}</code>" if kind else "okänt slag"


def routes(prefix: str, region: str, *, gateway_token: str = "") -> list[Any]:
    async def as_json(request: Request) -> JSONResponse:
        return JSONResponse(sent(region))

    async def gateway(request: Request) -> Response:
        if not gateway_token or request.headers.get("authorization") != f"Bearer {gateway_token}":
            return JSONResponse({"error": "unauthorized"}, status_code=401)
        try:
            body = await request.json()
            to, text = str(body["to"]), str(body["text"])
        except (ValueError, KeyError, TypeError):
            return JSONResponse({"error": "give to and text"}, status_code=400)
        _GATEWAY.append({"to": to, "text": text})
        return JSONResponse({"accepted": True}, status_code=202)

    async def page(request: Request) -> HTMLResponse:
        found = sent(region)
        items = [
            f"<li><strong>SMS till {html.escape(m['to'])}</strong> ({_kind(m['kind'])})"
            f"<pre>{html.escape(m['text'])}</pre></li>"
            for m in reversed(found["sms"])
        ] + [
            f"<li><strong>E-post till {html.escape(m['to'])}: {html.escape(m['subject'])}</strong> ({_kind(m['kind'])})"
            f"<pre>{html.escape(m['text'])}</pre></li>"
            for m in reversed(found["email"])
        ]
        body = "".join(items) or "<li>Inget skickat ännu.</li>"
        return HTMLResponse(
            '<!doctype html><html lang="sv"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            "<title>Utkorg – lokal stack</title></head><body><main><h1>Utkorg (lokal stack)</h1>"
            "<p>Sms och e-post som Nära har skickat. Inget lämnar datorn.</p>"
            f"<ul>{body}</ul></main></body></html>"
        )

    return [
        Route(f"{prefix}", page, methods=["GET"]),
        Route(f"{prefix}.json", as_json, methods=["GET"]),
        Route("/local/sms-gateway", gateway, methods=["POST"]),
    ]
