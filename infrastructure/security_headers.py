"""The security headers of every answer on a region's origin, defined once: CloudFront's response headers policy
(``infrastructure/aws/web_stack.py``) and the local gateway (``infrastructure/local/gateway.py``) are both made from
this module, so the browser tests run the pages under the policy they get in AWS.

- Content-Security-Policy: scripts only from the site itself (no inline script, no eval), styles only from the
  site's stylesheets (the pages set no ``style`` attribute and add no ``<style>`` element; a width set through the
  CSSOM, as the triage's progress bar does, is allowed), connections to the site (the REST API is under /api), the
  photo bucket and the WebSocket API; no framing (``frame-ancestors 'none'``), no plugins, no ``<base>``.
- Strict-Transport-Security: two years, sub-domains included.
- X-Content-Type-Options: nosniff; X-Frame-Options: DENY; Referrer-Policy: same-origin.
- Permissions-Policy: camera and microphone for video meetings on Nära's own pages, nothing else.
- Cross-Origin-Opener-Policy: same-origin.

Pure: no AWS, no web framework.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

HSTS_SECONDS = 2 * 365 * 24 * 3600  # two years (at least one is asked for; two is what preload lists expect)
HSTS_INCLUDES_SUBDOMAINS = True
FRAME_OPTION = "DENY"
REFERRER_POLICY = "same-origin"
# Cameras and microphones are for video meetings on Nära's own pages only; nothing else a page could ask for.
PERMISSIONS_POLICY = "camera=(self), microphone=(self), display-capture=(), geolocation=(), payment=(), usb=()"
CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Sent beside the policies of the response headers policy's "custom headers" (CloudFront has no field for them).
CUSTOM_HEADERS = {"Permissions-Policy": PERMISSIONS_POLICY, "Cross-Origin-Opener-Policy": CROSS_ORIGIN_OPENER_POLICY}

Part = TypeVar("Part")


def content_security_policy(
    photos: Sequence[str | Part], websocket: str | Part, *, upgrade_insecure_requests: bool = True
) -> list[str | Part]:
    """The Content-Security-Policy as parts to be joined with "": ``photos`` are the photo bucket's origins (each a
    separate source) and ``websocket`` the WebSocket API's source with a leading space (or ""). The parts may be
    plain strings (the local gateway joins them) or CloudFormation values (the web stack puts them in Fn::Join).
    ``upgrade-insecure-requests`` is left out only where the origin itself is plain HTTP (the local stack): there is
    no HTTPS to upgrade to."""
    photo_sources: list[str | Part] = []
    for photo in photos:
        photo_sources += [" ", photo]
    upgrade = "; upgrade-insecure-requests" if upgrade_insecure_requests else ""
    return [
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'",
        *photo_sources,
        "; connect-src 'self'",
        *photo_sources,
        websocket,
        "; font-src 'self'; media-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
        f"frame-ancestors 'none'{upgrade}",
    ]


def strict_transport_security() -> str:
    return f"max-age={HSTS_SECONDS}" + ("; includeSubDomains" if HSTS_INCLUDES_SUBDOMAINS else "")


def headers(*, photos: Sequence[str], websocket: str, https: bool) -> dict[str, str]:
    """Every header as CloudFront sends it, for an origin whose photo sources and WebSocket source are plain
    strings (the local stack)."""
    return {
        "Content-Security-Policy": "".join(
            content_security_policy(photos, f" {websocket}" if websocket else "", upgrade_insecure_requests=https)
        ),
        "Strict-Transport-Security": strict_transport_security(),
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": FRAME_OPTION,
        "Referrer-Policy": REFERRER_POLICY,
        **CUSTOM_HEADERS,
    }
