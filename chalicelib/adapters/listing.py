"""The listing-register port (listning): at which vårdcentral a resident of the region is listed (docs/listing.md).

Production asks the region's listing register over HTTPS; the local stack runs a simulated register
(``infrastructure/local/listing_sim.py``) speaking the same small JSON API::

    GET {base}/listings/{personnummer}     Authorization: Bearer <the secret nara/<tenant>/listing/token>
        200 {"unit_id": "<HSA-id>", "listed_since": "YYYY-MM-DD"}    listed there
        404                                                          listed nowhere in the region

The citizen is waiting while this is asked, so the timeouts are short; a register that is slow, down, refuses the
token or answers something unreadable gives None (and a warning in the log), and the caller routes without it.
The number is never logged. httpx is imported when the register is first asked, not when this module is.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from aws_lambda_powertools import Logger

if TYPE_CHECKING:
    import httpx

logger = Logger(child=True)

CONNECT_TIMEOUT = 1.0  # seconds to reach the register
TIMEOUT = 2.0  # seconds to send the question and for the answer
_PERSONAL_NUMBER = re.compile(r"[0-9]{12}")


def listing_token_secret(tenant: str) -> str:
    """The Secrets Manager secret holding the bearer token the region's listing register expects."""
    return f"nara/{tenant}/listing/token"


class NullListingRegister:
    """A region without a listing register: nobody is known to be listed anywhere."""

    def listed_unit(self, personal_number: str) -> str | None:
        _check(personal_number)
        return None


class HttpListingRegister:
    """The region's listing register over HTTP(S), with a bearer token read when needed (``token()``)."""

    def __init__(
        self,
        base_url: str,
        token: Callable[[], str],
        *,
        http: httpx.Client | None = None,
        timeout: float = TIMEOUT,
        connect_timeout: float = CONNECT_TIMEOUT,
    ) -> None:
        self._base = base_url.rstrip("/")
        self._token = token
        self._http = http
        self._timeouts = (timeout, connect_timeout)
        self._lock = threading.Lock()

    def listed_unit(self, personal_number: str) -> str | None:
        _check(personal_number)
        import httpx

        try:
            token = self._token()
        except Exception:  # the secret could not be read: route without the register rather than fail the citizen
            logger.warning("listing register: its token could not be read; routing without it", exc_info=True)
            return None
        if not token:
            logger.warning("listing register: no token configured (secret listing/token); routing without it")
            return None
        try:
            response = self._client().get(
                f"{self._base}/listings/{personal_number}", headers={"Authorization": f"Bearer {token}"}
            )
        except httpx.TimeoutException:
            logger.warning("listing register: no answer in time; routing without it")
            return None
        except httpx.HTTPError as error:
            logger.warning("listing register unreachable; routing without it", extra={"error": type(error).__name__})
            return None
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            logger.warning(
                "listing register answered an error; routing without it", extra={"status": response.status_code}
            )
            return None
        try:
            unit_id = response.json()["unit_id"]
        except (KeyError, TypeError, ValueError):
            unit_id = None
        if not isinstance(unit_id, str) or not unit_id.strip():
            logger.warning("listing register: its answer could not be read; routing without it")
            return None
        return unit_id.strip()

    def _client(self) -> httpx.Client:
        with self._lock:
            if self._http is None:
                import httpx

                timeout, connect = self._timeouts
                self._http = httpx.Client(timeout=httpx.Timeout(timeout, connect=connect), follow_redirects=False)
            return self._http


def _check(personal_number: str) -> None:
    if not _PERSONAL_NUMBER.fullmatch(personal_number):
        raise ValueError("the listing register is asked by a 12-digit personnummer")
