"""The population register port: which children under 18 a citizen has custody of (vårdnadshavare).

Production reads the region's population-register integration (a Navet-backed service) over HTTPS; the local stack
runs a simulated register speaking the same small JSON API:

    GET {base}/persons/{personnummer}/custody  ->  {"children": [{"personal_number", "name"}]}
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import httpx


@dataclass(frozen=True)
class Child:
    personal_number: str
    name: str


class RegisterUnavailable(Exception):
    """The register could not be asked; login goes on without acting for children."""


class PopulationRegister(Protocol):
    def children_in_custody(self, guardian_personal_number: str) -> list[Child]: ...


class HttpPopulationRegister:
    def __init__(self, base_url: str, *, http: httpx.Client | None = None) -> None:
        self._base = base_url.rstrip("/")
        self._http = http or httpx.Client(timeout=5.0)

    def children_in_custody(self, guardian_personal_number: str) -> list[Child]:
        try:
            response = self._http.get(f"{self._base}/persons/{guardian_personal_number}/custody")
        except httpx.HTTPError as error:
            raise RegisterUnavailable(str(error)) from error
        if response.status_code == 404:
            return []
        if response.status_code != 200:
            raise RegisterUnavailable(f"the register answered {response.status_code}")
        try:
            return [Child(str(c["personal_number"]), str(c["name"])) for c in response.json()["children"]]
        except (KeyError, TypeError, ValueError) as error:
            raise RegisterUnavailable("the register's answer could not be read") from error
