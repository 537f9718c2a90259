"""The API models every cold start meets: the base of all the API's models, the error body, and the bodies of the
``meta`` routes (``public.py``: ``/health``, ``/units``, ``/me``). They live apart from ``models.py`` so that the first
requests of a Lambda, which are mostly these, do not define the other ~70 models there; ``models.py`` builds on
``ApiModel`` and ``Strict`` from here.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class ApiModel(BaseModel):
    """The base of the API's models: each one's validator and serializer are built when it is first used, not when
    its module is imported (some 200 models; a request uses a few, and Lambda's cold start pays for the rest)."""

    model_config = ConfigDict(defer_build=True)


class Strict(ApiModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ErrorDetail(ApiModel):
    code: str
    message: str = Field(description="What went wrong and what to do, in English")
    message_sv: str | None = Field(default=None, description="The same in Swedish, where a person may meet it")
    field: str | None = None


class ErrorBody(ApiModel):
    error: ErrorDetail


class Health(ApiModel):
    status: str
    tenant: str


class Unit(ApiModel):
    unit_id: str
    name: str
    address: str = ""
    phone: str = ""
    opening_hours: dict[str, Any] = Field(default_factory=dict)
    phone_hours: dict[str, str] = Field(
        default_factory=dict, description="When the unit answers the phone, as text per language (sv, en)"
    )
    professions: list[str] = Field(default_factory=list)


class UnitList(ApiModel):
    units: list[Unit]


class RoleView(ApiModel):
    unit_id: str
    role: str


class Me(ApiModel):
    kind: str
    hsa_id: str | None = Field(default=None, description="Staff: the HSA-id (citizens' identity is never returned)")
    display_name: str
    auth_method: str
    roles: list[RoleView]
