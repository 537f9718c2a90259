"""Bad input (issue 10): every form of the API answers a malformed, oversize, deeply nested, mistyped or mis-encoded
body with a clear 4xx in the API's error shape (English and Swedish), never a 500; an invalid personnummer is refused
where staff type one; an upload that is not a plain photo (a decompression bomb, a truncated file, SVG with script,
HTML) is refused and one that hides a payload (HTML/JS or a ZIP after the JPEG, script in its comments, its GPS
position) is kept only as a re-encoded JPEG without it; unicode edge cases and HTML/script in every free-text field
are stored as text and given back exactly (or refused with a 4xx); and after every refused request what was stored
before (the case, its chat) is unchanged. The app runs in Chalice's test client against moto in-process."""

from __future__ import annotations

import io
import json
import re
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import boto3
import pytest
from PIL import Image

from chalicelib.api import openapi
from chalicelib.api.http import MAX_BODY_BYTES
from chalicelib.api.interregion import MAX_REFERRAL_BYTES
from chalicelib.api.region_admin import LOGO_BODY_BYTES
from chalicelib.domain.model import CLOSE_SUMMARY_MAX, MESSAGE_MAX, Principal
from chalicelib.domain.personal_number import luhn_check_digit
from tests.api.conftest import UNIT_A, UNIT_B, Api, People, citizen, send_case, staff
from tests.api.test_region_admin_api import NEW_UNIT, REGION_ADMIN, UNIT
from tests.api.test_region_admin_api import _setup as _setup_region

ROOT = Path(__file__).resolve().parents[2]
GPS_IFD, EXIF_IFD = 0x8825, 0x8769
SBAR = {
    "situation": "Feber sedan tre dagar",
    "background": "Tidigare frisk",
    "assessment": "Trolig virusinfektion",
    "recommendation": "Bedömning av läkare",
}

# --- Helpers ----------------------------------------------------------------------------------------------------------


def _error(status: int, body: Any, expected: int, context: object, field: str | None = None) -> None:
    """A refusal a person can act on: the status, the API's error shape with English and Swedish, the field."""
    assert status == expected, (context, status, body)
    assert isinstance(body, dict) and set(body) == {"error"}, (context, body)
    error = body["error"]
    assert error["code"] and error["message"] and error["message_sv"], (context, error)
    if field is not None:
        assert error.get("field") == field, (context, error)


def _snapshot(api: Api, people: People, case_id: str) -> dict[str, Any]:
    """What is stored of the case as both sides see it (the staff view without its read-time countdown)."""
    status, mine = api.call("GET", f"/citizen/cases/{case_id}", who=people.anna)
    assert status == 200, mine
    status, theirs = api.call("GET", f"/staff/cases/{case_id}", who=people.nurse_a)
    assert status == 200, theirs
    status, chat = api.call("GET", f"/cases/{case_id}/messages", who=people.anna)
    assert status == 200, chat
    theirs = {k: v for k, v in theirs.items() if k not in ("seconds_left", "timeline")}
    return {"citizen": mine, "staff": theirs, "messages": chat["messages"]}


@pytest.fixture
def case_id(api: Api, people: People) -> str:
    """Anna's case in unit A's queue with one message in its chat."""
    made = str(send_case(api, people.anna)["case_id"])
    status, sent = api.call(
        "POST", f"/cases/{made}/messages", who=people.anna, body={"text": "Hej, jag har ont.", "client_id": "first-1"}
    )
    assert status == 201, sent
    return made


def _claim(api: Api, who: Principal, case_id: str) -> None:
    status, body = api.call("POST", f"/staff/cases/{case_id}/claim", who=who)
    assert status == 200, body


# --- 1. The body: size, nesting, JSON, encoding, content type — on every form of the API --------------------------

DEEP = 10_000
# Forms that take more than MAX_BODY_BYTES: their oversize body is past their own limit.
OWN_LIMITS = {("PUT", "/staff/region/logo"): LOGO_BODY_BYTES}
MALFORMED: dict[str, tuple[bytes, int]] = {
    "oversize (> the form's limit: 64 KiB, or its own)": (json.dumps({"text": "a" * MAX_BODY_BYTES}).encode(), 413),
    "10,000 nested arrays": (b"[" * DEEP + b"]" * DEEP, 422),
    "10,000 nested objects in a field": (b'{"text": ' + b'{"a":' * DEEP + b"1" + b"}" * DEEP + b"}", 422),
    "truncated JSON": (b'{"text": "hej", ', 422),
    "not UTF-8": (b'{"text": "\xff\xfe hej"}', 422),
    "a JSON array": (b'[{"text": "hej"}]', 422),
    "a JSON string": (b'"hej"', 422),
    "a number with 5,000 digits": (b'{"text": 1' + b"0" * 5000 + b"}", 422),
    "NaN": (b'{"text": NaN}', 422),
    "empty": (b"", 422),
}


def _forms() -> list[tuple[str, str]]:
    """Every (method, path) whose operation takes a JSON body, from the OpenAPI document."""
    spec = openapi.document(title="Nära", version="test")
    return sorted(
        (method.upper(), path)
        for path, operations in spec["paths"].items()
        for method, op in operations.items()
        if isinstance(op, dict) and "requestBody" in op
    )


def _caller(path: str, people: People, region_admin: Principal) -> Principal | None:
    if path.startswith(("/auth/", "/video/interpreter")):
        return None  # public: the login steps, an interpreter's one-time link
    if path.startswith(("/citizen/", "/cases/")):
        return people.anna
    return region_admin if path.startswith("/staff/region") else people.nurse_a


def test_every_form_answers_a_malformed_body_with_a_clear_4xx_and_changes_nothing(
    api: Api, people: People, case_id: str
) -> None:
    _setup_region(api)
    region_admin = replace(REGION_ADMIN, tenant=api.container.settings.tenant)
    status, draft = api.call(
        "POST",
        "/citizen/triage",
        who=people.anna,
        body={"unit_id": UNIT_A, "reason": "Hosta"},
        headers={"Idempotency-Key": "draft-key-0001"},
    )
    assert status == 201, draft
    before = _snapshot(api, people, case_id)
    forms = _forms()
    assert len(forms) >= 35  # the document lists every form; a broken listing would test nothing
    ids = {"case_id": case_id, "draft_id": draft["draft_id"], "unit_id": UNIT_A}
    tried = 0
    wrong: list[str] = []
    for method, path in forms:
        url = re.sub(r"\{(\w+)\}", lambda m: ids.get(m[1], f"no-such-{m[1]}"), path)
        who = _caller(path, people, region_admin)
        headers = {"Idempotency-Key": "bad-input-key-01"}
        for name, (raw, expected) in MALFORMED.items():
            if name == "empty" and path.endswith("/back"):
                continue  # an empty body is that form's valid "go back one step"
            if name.startswith("oversize") and (method, path) in OWN_LIMITS:
                raw = json.dumps({"text": "a" * OWN_LIMITS[method, path]}).encode()
            status, body = api.call(method, url, who=who, raw=raw or None, headers=headers)
            tried += 1
            try:
                _error(status, body, expected, (method, path, name))
            except AssertionError as failure:
                wrong.append(str(failure))
        # Only JSON is read: another Content-Type gets 415 in the same shape, whatever the bytes
        status, body = api.call(method, url, who=who, raw=b"{}", headers={**headers, "Content-Type": "text/plain"})
        tried += 1
        try:
            _error(status, body, 415, (method, path, "text/plain"))
            assert "application/json" in body["error"]["message"]
        except AssertionError as failure:
            wrong.append(str(failure))
    assert not wrong, "\n".join(wrong)
    assert tried >= 35 * len(MALFORMED)
    assert _snapshot(api, people, case_id) == before


def test_the_messages_say_what_is_wrong_with_the_body(api: Api, people: People, case_id: str) -> None:
    url = f"/cases/{case_id}/messages"
    status, body = api.call("POST", url, who=people.anna, body={"text": "x" * MAX_BODY_BYTES, "client_id": "big-1"})
    _error(status, body, 413, "oversize")
    assert f"at most {MAX_BODY_BYTES}" in body["error"]["message"] and "för stort" in body["error"]["message_sv"]
    status, body = api.call("POST", url, who=people.anna, raw=b"[" * DEEP + b"]" * DEEP)
    _error(status, body, 422, "deep")
    assert "nested too deeply" in body["error"]["message"] and "nästlat" in body["error"]["message_sv"]
    status, body = api.call("POST", url, who=people.anna, raw=b'{"text": "hej",')
    _error(status, body, 422, "invalid")
    assert "not valid JSON" in body["error"]["message"]
    status, body = api.call("POST", url, who=people.anna, raw=b"[]")
    _error(status, body, 422, "array")
    assert "JSON object" in body["error"]["message"]
    # a method the path does not take: 405 in the API's shape, naming what it does take
    status, body = api.call("DELETE", url, who=people.anna)
    _error(status, body, 405, "method")


def test_a_partner_regions_oversize_or_unsigned_body_is_refused_before_it_is_read(api: Api) -> None:
    """The routes another region's stack calls take a larger body (the case's chat travels with a referral) and read
    it only after its signature is verified."""
    huge = b'{"referral_id": "' + b"a" * MAX_REFERRAL_BYTES + b'"}'
    status, body = api.call("POST", "/interregion/referrals", raw=huge, headers={"Authorization": "Bearer x"})
    _error(status, body, 413, "oversize referral")
    for raw in (b"[" * DEEP + b"]" * DEEP, b'{"referral_id": ', b"\xff\xfe"):
        status, body = api.call("POST", "/interregion/referrals", raw=raw, headers={"Authorization": "Bearer x"})
        assert status == 401 and body["error"]["code"] == "unauthenticated", (raw[:20], body)


# --- 1b. Wrong types, missing and extra fields: 422 naming the field --------------------------------------------

# (method, path, who, a valid body, field kinds): each field is sent with values of wrong types, then left out if it
# is required, and an unknown field is added. Each of these gets a 422 naming the field. ``str?``: an optional
# field that may be null; a field in OPTIONAL may be left out (such a request would act, so it is not sent).
WRONG_TYPES: dict[str, list[Any]] = {
    "str": [5, 1.5, True, ["a"], {"a": 1}, None],
    "str?": [5, 1.5, True, ["a"], {"a": 1}],
    "int": ["many", [1], {"a": 1}, None, 1.5],
    "bool": ["perhaps", [True], {"a": 1}, None, 7],
    "list": ["a", 5, {"a": 1}, None],
}
OPTIONAL = {"free_text", "expectations", "choose_contact", "tags", "unit_id", "via"}  # no unit: routing finds it


def _typed_forms(case_id: str, draft_id: str) -> list[tuple[str, str, str, dict[str, Any], dict[str, str]]]:
    """(method, path, who, valid body, field kinds); the kind says what to send instead."""
    return [
        (
            "POST",
            "/citizen/triage",
            "anna",
            {"unit_id": UNIT_A, "reason": "Hosta", "free_text": "Torrhosta", "expectations": "Råd", "via": "chosen"},
            {"unit_id": "str?", "reason": "str", "free_text": "str", "expectations": "str", "via": "str?"},
        ),
        ("PATCH", f"/citizen/triage/{draft_id}", "anna", {"free_text": "Hosta"}, {"free_text": "str?"}),
        ("POST", f"/citizen/triage/{draft_id}/submit", "anna", {"choose_contact": True}, {"choose_contact": "bool"}),
        (
            "POST",
            f"/citizen/triage/{draft_id}/photos",
            "anna",
            {"content_type": "image/jpeg", "size": 1000},
            {"size": "int"},
        ),
        (
            "POST",
            f"/cases/{case_id}/messages",
            "anna",
            {"text": "Hej", "client_id": "m-1"},
            {"text": "str", "client_id": "str"},
        ),
        ("POST", f"/cases/{case_id}/read", "anna", {"seq": 1}, {"seq": "int"}),
        (
            "POST",
            f"/staff/cases/{case_id}/close",
            "nurse_a",
            {"outcome": "advice_given", "summary": "Råd givna"},
            {"outcome": "str", "summary": "str"},
        ),
        (
            "POST",
            f"/staff/cases/{case_id}/override",
            "nurse_a",
            {"priority": "P4", "reason": "Bedömd i chatten"},
            {"reason": "str"},
        ),
        (
            "POST",
            f"/staff/cases/{case_id}/refer",
            "nurse_a",
            {"to_unit_id": UNIT_B, "to_profession": "nurse", **SBAR},
            {"to_unit_id": "str", "to_profession": "str", **dict.fromkeys(SBAR, "str")},
        ),
        (
            "POST",
            f"/staff/cases/{case_id}/refer-region",
            "nurse_a",
            {
                "to_region": "granne",
                "to_unit_id": "SE-GRANNE-VC1",
                "to_profession": "nurse",
                "consent": "chat",
                "personal_number": "191212121212",
                **SBAR,
            },
            {"to_region": "str", "personal_number": "str", "consent": "str"},
        ),
        (
            "POST",
            "/staff/templates",
            "nurse_a",
            {"template_id": "tmpl-0001", "scope": "personal", "title": "Hälsning", "text": "Hej!", "tags": ["a"]},
            {"template_id": "str", "title": "str", "text": "str", "tags": "list"},
        ),
        ("POST", f"/staff/units/{UNIT_A}/phone-invites", "nurse_a", {"phone": "0701234567"}, {"phone": "str"}),
    ]


def test_wrong_types_missing_and_unknown_fields_get_a_422_naming_the_field_and_change_nothing(
    api: Api, people: People, case_id: str
) -> None:
    status, draft = api.call(
        "POST",
        "/citizen/triage",
        who=people.anna,
        body={"unit_id": UNIT_A, "reason": "Hosta"},
        headers={"Idempotency-Key": "draft-key-0002"},
    )
    assert status == 201, draft
    before = _snapshot(api, people, case_id)
    draft_before = api.call("GET", f"/citizen/triage/{draft['draft_id']}", who=people.anna)[1]
    tried = 0
    wrong: list[str] = []
    for method, path, who_name, valid, kinds in _typed_forms(case_id, draft["draft_id"]):
        who = getattr(people, who_name)
        sent: list[tuple[str, dict[str, Any]]] = []
        for name, kind in kinds.items():
            sent += [(name, {**valid, name: bad}) for bad in WRONG_TYPES[kind]]
            if name not in OPTIONAL:
                sent.append((name, {k: v for k, v in valid.items() if k != name}))  # left out
        sent.append(("shoe_size", {**valid, "shoe_size": 42}))  # a field the form does not have
        for field, body in sent:
            status, answer = api.call(method, path, who=who, body=body, headers={"Idempotency-Key": "typed-key-0001"})
            tried += 1
            try:
                _error(status, answer, 422, (method, path, field, body.get(field, "<left out>")), field=field)
            except AssertionError as failure:
                wrong.append(str(failure))
    assert not wrong, "\n".join(wrong)
    assert tried >= 100
    assert _snapshot(api, people, case_id) == before
    assert api.call("GET", f"/citizen/triage/{draft['draft_id']}", who=people.anna)[1] == draft_before
    assert api.call("GET", "/staff/templates?unit_id=" + UNIT_A, who=people.nurse_a)[1]["templates"] == []


# --- 2. Invalid personnummer where staff type one: the referral to another region --------------------------------


def _pnr(yyyymmdd: str, serial: str) -> str:
    """A number with the right check digit (so only what else is wrong with it is tested)."""
    return f"{yyyymmdd}{serial}{luhn_check_digit(yyyymmdd[2:] + serial)}"


@pytest.fixture
def partner(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    """A partner region (its stack is another process; here its public list of units is given)."""
    tenant = api.container.settings.tenant
    region = api.container.directory.region(tenant)
    granne = {"tenant": "granne", "name": "Region Granne", "url": "https://api.granne.example"}
    api.container.directory.set_region(tenant, {**region, "partner_regions": [granne]})
    units = [{"unit_id": "SE-GRANNE-VC1", "name": "Vårdcentralen Granne", "professions": ["nurse"]}]
    monkeypatch.setattr(api.container.interregion, "_fetch_units", lambda url: units)


def _refer_region(api: Api, who: Principal, case_id: str, number: str, key: str) -> tuple[int, Any]:
    body = {
        "to_region": "granne",
        "to_unit_id": "SE-GRANNE-VC1",
        "to_profession": "nurse",
        "consent": "chat",
        "personal_number": number,
        **SBAR,
    }
    return api.call(
        "POST", f"/staff/cases/{case_id}/refer-region", who=who, body=body, headers={"Idempotency-Key": key}
    )


FUTURE = (date.today() + timedelta(days=400)).strftime("%Y%m%d")
# Anna is 19121212-1212. (number, what the Swedish message says)
INVALID_NUMBERS: list[tuple[str, str]] = [
    ("19121212-1213", "kontrollsiffran"),  # a typing error: the check digit does not match
    ("191212121221", "kontrollsiffran"),  # two digits swapped
    (_pnr("19121232", "121"), "kalendern"),  # 32 December
    (_pnr("19121312", "121"), "kalendern"),  # month 13
    (_pnr("19130229", "121"), "kalendern"),  # 29 February in a year that had none
    (_pnr("19121292", "121"), "kalendern"),  # a samordningsnummer's day 92 (= 32)
    (_pnr(FUTURE, "121"), "framtiden"),  # not born yet
    (_pnr("19121212", "000"), "000"),  # never issued
    ("19121212+1212", "plustecken"),  # + belongs to the short form
    ("19121212-12AB", "ÅÅÅÅMMDD"),
    ("１９１２１２１２１２１２", "ÅÅÅÅMMDD"),  # full-width digits look alike but are not digits here
    ("19121212\u200b1212", "ÅÅÅÅMMDD"),  # a zero-width space pasted in
    ("1912121212\x00", "ÅÅÅÅMMDD"),
    ("199001012385", "hör inte till patienten"),  # valid, but Bertil's
    ("121212-1212", "hör inte till patienten"),  # the short form with - means born 2012, not 1912
]


def test_an_invalid_personnummer_in_a_referral_gets_a_422_saying_why_and_changes_nothing(
    api: Api, people: People, case_id: str, partner: None
) -> None:
    _claim(api, people.nurse_a, case_id)
    before = _snapshot(api, people, case_id)
    for n, (number, why_sv) in enumerate(INVALID_NUMBERS):
        status, body = _refer_region(api, people.nurse_a, case_id, number, f"region-key-{n:04d}")
        _error(status, body, 422, number, field="personal_number")
        assert why_sv in body["error"]["message_sv"], (number, body)
        assert number not in json.dumps(body), "the number is never repeated (answers end up in logs)"
    for number in ("1212", "", "1" * 14, None, 191212121212):  # too short, too long, wrong type: the form says so
        status, body = _refer_region(api, people.nurse_a, case_id, number, "region-key-form")  # type: ignore[arg-type]
        _error(status, body, 422, number, field="personal_number")
    assert _snapshot(api, people, case_id) == before
    # The short form with + is someone who has turned 100: Anna, born 1912; the referral is made.
    status, case = _refer_region(api, people.nurse_a, case_id, "121212+1212", "region-key-ok01")
    assert status == 200, case
    assert [r["to_region"] for r in case["referrals"] if r.get("kind") == "region"] == ["granne"]


def test_a_patient_with_a_samordningsnummer_is_referred_by_it_and_not_by_the_day_without_60(
    api: Api, people: People, partner: None
) -> None:
    number = _pnr("19900161", "238")  # born 1 January 1990: day 01 + 60
    patient = replace(citizen(number, "Samir"), tenant=api.container.settings.tenant)
    case_id = str(send_case(api, patient, key="samordning-0001")["case_id"])
    _claim(api, people.nurse_a, case_id)
    as_personnummer = _pnr("19900101", "238")  # the same digits as a personnummer: another person
    status, body = _refer_region(api, people.nurse_a, case_id, as_personnummer, "region-key-sam1")
    _error(status, body, 422, "day without 60", field="personal_number")
    status, case = _refer_region(api, people.nurse_a, case_id, f"{number[2:8]}-{number[8:]}", "region-key-sam2")
    assert status == 200 and case["status"] == "claimed", case


def test_an_invalid_personnummer_in_the_access_log_search_gets_a_422(api: Api) -> None:
    admin = replace(staff("SE-ADM-1", (UNIT_A, "admin"), name="Johan Ek"), tenant=api.container.settings.tenant)
    for number, why_sv in INVALID_NUMBERS[:-2]:  # the last two are valid numbers
        status, body = api.call("GET", f"/staff/units/{UNIT_A}/access-log?patient={quote(number)}", who=admin)
        _error(status, body, 422, number, field="personal_number")
        assert why_sv in body["error"]["message_sv"], (number, body)


# --- 3. Images: bombs, broken files, polyglots, SVG with script, EXIF location --------------------------------------

SCRIPT = b"<script>alert(document.cookie)</script>"


@pytest.fixture
def bucket(api: Api) -> Iterator[Any]:
    """The region's photo bucket in moto; yields an S3 client."""
    settings = api.container.settings
    s3 = boto3.client("s3", region_name=settings.region)
    s3.create_bucket(Bucket=settings.photo_bucket, CreateBucketConfiguration={"LocationConstraint": settings.region})
    yield s3


def _draft(api: Api, who: Principal, key: str) -> str:
    body = {"unit_id": UNIT_A, "reason": "Utslag", "free_text": "Röda prickar på armen"}
    status, draft = api.call("POST", "/citizen/triage", who=who, body=body, headers={"Idempotency-Key": key})
    assert status == 201, draft
    return str(draft["draft_id"])


def _attach(api: Api, s3: Any, who: Principal, where: str, data: bytes, content_type: str) -> tuple[int, Any]:
    """What the browser does, with the upload put straight into the bucket: a form, the upload, then complete."""
    status, slot = api.call("POST", f"{where}/photos", who=who, body={"content_type": content_type, "size": len(data)})
    assert status == 201, slot
    key = slot["upload"]["fields"]["key"]
    s3.put_object(Bucket=api.container.settings.photo_bucket, Key=key, Body=data, ContentType=content_type)
    return api.call("POST", f"{where}/photos/{slot['photo_id']}/complete", who=who)


def _objects(api: Api, s3: Any) -> dict[str, bytes]:
    name = api.container.settings.photo_bucket
    listed = s3.list_objects_v2(Bucket=name).get("Contents", [])
    return {o["Key"]: s3.get_object(Bucket=name, Key=o["Key"])["Body"].read() for o in listed}


def _jpeg(width: int = 320, height: int = 240, **save: Any) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 120, 100)).save(out, "JPEG", **save)
    return out.getvalue()


def _phone_jpeg_with_script_in_its_metadata() -> bytes:
    """A phone photo with its GPS position, and script in its EXIF description and its JPEG comment."""
    exif = Image.Exif()
    exif[0x010E] = SCRIPT.decode()  # ImageDescription
    exif[0x010F] = "Phone maker"
    exif[GPS_IFD] = {1: "N", 2: (57.0, 46.0, 52.0), 3: "E", 4: (14.0, 9.0, 41.0)}
    return _jpeg(exif=exif, comment=b"<img src=x onerror=alert(1)>")


def _zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("index.html", b"<html>" + SCRIPT + b"</html>")
    return out.getvalue()


def _png_with_script_in_a_text_chunk() -> bytes:
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Comment", SCRIPT.decode())
    out = io.BytesIO()
    Image.new("RGBA", (200, 100), (10, 160, 90, 128)).save(out, "PNG", pnginfo=info)
    return out.getvalue()


HIDDEN_PAYLOADS: dict[str, tuple[bytes, str]] = {
    "JPEG + HTML/JS appended": (_jpeg() + b"<html><body>" + SCRIPT + b"</body></html>", "image/jpeg"),
    "JPEG + ZIP appended (a valid archive too)": (_jpeg() + _zip(), "image/jpeg"),
    "GPS position and script in EXIF and the comment": (_phone_jpeg_with_script_in_its_metadata(), "image/jpeg"),
    "PNG with script in a text chunk": (_png_with_script_in_a_text_chunk(), "image/png"),
    "PNG + HTML after its end": (_png_with_script_in_a_text_chunk() + b"<html>" + SCRIPT, "image/png"),
}


def _clean_jpeg(data: bytes, context: str) -> None:
    """A plain JPEG decoded from pixels: no metadata (so no GPS), no comment, nothing after it."""
    assert zipfile.is_zipfile(io.BytesIO(data)) is False, context
    for marker in (b"<script", b"<html", b"onerror", b"PK\x03\x04", b"Exif", b"Phone maker", b"tEXt"):
        assert marker not in data, (context, marker)
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG" and image.mode == "RGB", context
    assert not image.getexif() and "comment" not in image.info and "icc_profile" not in image.info, context
    assert data.endswith(b"\xff\xd9"), context  # the JPEG ends where its pixels end


def test_a_photo_hiding_a_payload_is_kept_only_re_encoded_without_it(api: Api, people: People, bucket: Any) -> None:
    draft = f"/citizen/triage/{_draft(api, people.anna, 'photo-draft-0001')}"
    for name, (data, content_type) in HIDDEN_PAYLOADS.items():
        assert SCRIPT in data or b"Exif" in data, name  # the upload does carry its payload
        status, photo = _attach(api, bucket, people.anna, draft, data, content_type)
        assert status == 200, (name, photo)
    stored = _objects(api, bucket)
    assert not [k for k in stored if "/uploads/" in k]  # every upload is deleted once re-encoded
    assert len(stored) == 2 * len(HIDDEN_PAYLOADS)  # a photo and its thumbnail each
    for key, data in stored.items():
        _clean_jpeg(data, key)
        head = bucket.head_object(Bucket=api.container.settings.photo_bucket, Key=key)
        assert head["ContentType"] == "image/jpeg", key  # served as a picture, never sniffed as a page


def test_a_photo_added_to_the_case_from_its_chat_is_cleaned_the_same_way(
    api: Api, people: People, case_id: str, bucket: Any
) -> None:
    data, content_type = HIDDEN_PAYLOADS["JPEG + HTML/JS appended"]
    status, photo = _attach(api, bucket, people.anna, f"/citizen/cases/{case_id}", data, content_type)
    assert status == 200, photo
    for key, stored in _objects(api, bucket).items():
        _clean_jpeg(stored, key)
    kinds = [m["kind"] for m in _snapshot(api, people, case_id)["messages"]]
    assert kinds == ["text", "photo"]


def _jpeg_claiming(width: int, height: int) -> bytes:
    """A small baseline JPEG whose frame header claims ``width`` × ``height`` pixels."""
    data = bytearray(_jpeg(64, 64))
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = height.to_bytes(2, "big") + width.to_bytes(2, "big")
    return bytes(data)


def _png_claiming(width: int, height: int) -> bytes:
    import struct
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script><rect width="9"/></svg>'
GIF = bytes.fromhex("4749463839610100010080000000ffffff00000021f90401000000002c00000000010001000002024401003b")
REFUSED_FILES: dict[str, tuple[bytes, str, str]] = {
    # name: (bytes, declared type, what the Swedish message says)
    "PNG bomb (60,000 × 60,000 px)": (_png_claiming(60_000, 60_000), "image/png", "megapixlar"),
    "JPEG bomb (65,000 × 65,000 px)": (_jpeg_claiming(65_000, 65_000), "image/jpeg", "megapixlar"),
    "PNG of 60 Mpx (under Pillow's own limit)": (_png_claiming(10_000, 6_000), "image/png", "megapixlar"),
    "truncated JPEG": (_jpeg(600, 400)[:900], "image/jpeg", "kunde inte läsas"),
    "SVG with script, sent as PNG": (SVG, "image/png", "kunde inte läsas"),
    "HTML page, sent as JPEG": (b"<!DOCTYPE html><html>" + SCRIPT + b"</html>", "image/jpeg", "kunde inte läsas"),
    "HTML first, then a JPEG": (b"<html>" + SCRIPT + b"</html>" + _jpeg(), "image/jpeg", "kunde inte läsas"),
    "ZIP, sent as JPEG": (_zip(), "image/jpeg", "kunde inte läsas"),
    "GIF, sent as PNG": (GIF, "image/png", "kunde inte läsas"),
    "JPEG header, then nothing": (b"\xff\xd8\xff\xe0" + b"\0" * 16, "image/jpeg", "kunde inte läsas"),
}


def test_a_bomb_a_broken_file_svg_with_script_or_a_page_is_refused_and_nothing_is_kept(
    api: Api, people: People, bucket: Any
) -> None:
    draft_id = _draft(api, people.anna, "photo-draft-0002")
    draft = f"/citizen/triage/{draft_id}"
    for content_type in ("image/svg+xml", "text/html", "application/zip", "image/gif"):
        status, body = api.call(
            "POST", f"{draft}/photos", who=people.anna, body={"content_type": content_type, "size": len(SVG)}
        )
        _error(status, body, 422, content_type, field="content_type")
        assert "JPEG, PNG eller HEIC" in body["error"]["message_sv"]
    for name, (data, content_type, why_sv) in REFUSED_FILES.items():
        status, body = _attach(api, bucket, people.anna, draft, data, content_type)
        _error(status, body, 422, name, field="file")
        assert why_sv in body["error"]["message_sv"], (name, body)
    assert _objects(api, bucket) == {}  # every refused upload was deleted; nothing was kept
    status, listed = api.call("GET", f"{draft}/photos", who=people.anna)
    assert status == 200 and listed["photos"] == []
    # The refused files took none of the draft's five places
    for n in range(5):
        status, photo = _attach(api, bucket, people.anna, draft, _jpeg(), "image/jpeg")
        assert status == 200, (n, photo)


# --- 4 and 5. Unicode edge cases and HTML/script in every free-text field ------------------------------------------

TEXTS: dict[str, str] = {
    "zero-width characters": "Ont\u200bi\u200chalsen\u200d\u2060\ufeffsedan igår",
    "right-to-left override": "Hej \u202eäsalh i tnO\u202c och \u2067עברית\u2069 och العربية",
    "combining characters (NFD, zalgo)": "Fe\u0301ber och o\u0308ra\u030a "
    "Z\u0336\u0334a\u0337\u0338l\u0335g\u0334o\u0489",
    "4-byte emoji and astral characters": "Feber 🤒 hos 👨‍👩‍👧‍👦 och 🧑🏽‍⚕️, 𝕳𝖊𝖏 𠜎 🇸🇪",
    "NUL and control characters": "före\x00efter\x07\x1b[31mröd\x1b[0m\x7f\u0085slut",
    "line and paragraph separators": "rad ett\u2028rad två\u2029stycke",
    "<script>": "<script>alert(document.cookie)</script>",
    "<img onerror>": '<img src=x onerror="alert(1)">',
    "attribute break-out": "\"'><svg/onload=alert(1)><!--",
    "javascript: URL": "javascript:alert(1)//",
    "HTML entities": "&lt;b&gt;fet&lt;/b&gt; &amp; &#60;script&#62;",
    "SQL-like": "'; DROP TABLE cases; --",
}
# Every text at once (for the fields that end the case, written once per case).
ALL_TEXTS = " | ".join(TEXTS.values())


def _as_template_text(text: str) -> str:
    """A template is kept in NFC (an ö typed as o + ¨ is found, and matched as {förnamn}, as one ö)."""
    return unicodedata.normalize("NFC", text)


def test_unicode_and_html_in_the_citizens_texts_come_back_exactly_as_text(
    api: Api, people: People, case_id: str
) -> None:
    for n, (name, text) in enumerate(TEXTS.items()):
        body = {"unit_id": UNIT_A, "reason": text, "free_text": text, "expectations": text}
        status, draft = api.call(
            "POST", "/citizen/triage", who=people.anna, body=body, headers={"Idempotency-Key": f"text-key-{n:04d}"}
        )
        assert status == 201, (name, draft)
        status, read = api.call("GET", f"/citizen/triage/{draft['draft_id']}", who=people.anna)
        assert status == 200 and (read["reason"], read["free_text"], read["expectations"]) == (text, text, text), name
        status, sent = api.call(
            "POST", f"/cases/{case_id}/messages", who=people.anna, body={"text": text, "client_id": f"c-{n}"}
        )
        assert status == 201 and sent["text"] == text, (name, sent)
    seen_by_staff = api.call("GET", f"/cases/{case_id}/messages", who=people.nurse_a)[1]["messages"]
    assert [m["text"] for m in seen_by_staff[1:]] == list(TEXTS.values())
    # A whole case sent with every text at once: the staff see it as written
    case = send_case(api, people.bertil, key="text-case-0001", reason=ALL_TEXTS[:200], free_text=ALL_TEXTS[:1500])
    status, seen = api.call("GET", f"/staff/cases/{case['case_id']}", who=people.nurse_a)
    assert status == 200 and (seen["reason"], seen["free_text"]) == (ALL_TEXTS[:200], ALL_TEXTS[:1500])


def test_unicode_and_html_in_the_staffs_texts_come_back_exactly_as_text(api: Api, people: People, case_id: str) -> None:
    _claim(api, people.nurse_a, case_id)
    for n, (name, text) in enumerate(TEXTS.items()):
        status, sent = api.call(
            "POST", f"/cases/{case_id}/messages", who=people.nurse_a, body={"text": text, "client_id": f"s-{n}"}
        )
        assert status == 201 and sent["text"] == text, (name, sent)
        override = {"priority": ("P3", "P4")[n % 2], "reason": text}
        status, seen = api.call("POST", f"/staff/cases/{case_id}/override", who=people.nurse_a, body=override)
        assert status == 200 and seen["overrides"][-1]["reason"] == text, (name, seen["overrides"][-1:])
        template = {"template_id": f"tmpl-text-{n:04d}", "scope": "personal", "title": text, "text": text}
        status, made = api.call("POST", "/staff/templates", who=people.nurse_a, body=template)
        assert status == 201, (name, made)
        kept = _as_template_text(text)
        assert (made["title"], made["text"]) == (" ".join(kept.split()), kept), name
    seen_by_citizen = api.call("GET", f"/cases/{case_id}/messages", who=people.anna)[1]["messages"]
    assert [m["text"] for m in seen_by_citizen[1:]] == list(TEXTS.values())
    listed = api.call("GET", f"/staff/templates?unit_id={UNIT_A}", who=people.nurse_a)[1]["templates"]
    assert sorted(t["text"] for t in listed) == sorted(_as_template_text(t) for t in TEXTS.values())
    # The texts that end or move the case, with every text at once
    refer = {"to_unit_id": UNIT_B, "to_profession": "nurse", **dict.fromkeys(SBAR, ALL_TEXTS)}
    status, referred = api.call(
        "POST",
        f"/staff/cases/{case_id}/refer",
        who=people.nurse_a,
        body=refer,
        headers={"Idempotency-Key": "refer-text-01"},
    )
    assert status == 200, referred
    assert all(referred["referrals"][-1][k] == ALL_TEXTS for k in SBAR), referred["referrals"][-1]
    other = str(send_case(api, people.bertil, key="text-case-0002")["case_id"])
    _claim(api, people.nurse_a, other)
    close = {"outcome": "advice_given", "summary": ALL_TEXTS}
    status, closed = api.call("POST", f"/staff/cases/{other}/close", who=people.nurse_a, body=close)
    assert status == 200 and closed["close_summary"] == ALL_TEXTS, closed


def test_unicode_and_html_in_a_units_and_its_administrators_names_come_back_exactly(api: Api) -> None:
    _setup_region(api)
    admin = replace(REGION_ADMIN, tenant=api.container.settings.tenant)
    name = TEXTS["<img onerror>"] + " " + TEXTS["4-byte emoji and astral characters"] + TEXTS["right-to-left override"]
    body = {**NEW_UNIT, "name": name[:100], "admin_name": TEXTS["<script>"] + TEXTS["zero-width characters"]}
    status, added = api.call("PUT", f"/staff/region/units/{UNIT}", who=admin, body=body)
    assert status == 201, added
    assert (added["name"], added["admin"]["name"]) == (body["name"], body["admin_name"])
    public = {u["unit_id"]: u["name"] for u in api.call("GET", "/units")[1]["units"]}
    assert public[UNIT] == body["name"]


def test_a_text_at_its_limit_on_one_line_is_kept_and_one_character_more_is_refused(
    api: Api, people: People, case_id: str
) -> None:
    before = _snapshot(api, people, case_id)
    line = "🤒" + "å" * (MESSAGE_MAX - 1)  # one line, no spaces, an astral character counted as one
    status, body = api.call(
        "POST", f"/cases/{case_id}/messages", who=people.anna, body={"text": line + "x", "client_id": "long-0"}
    )
    _error(status, body, 422, "message over its limit", field="text")
    assert str(MESSAGE_MAX) in body["error"]["message"] and str(MESSAGE_MAX) in body["error"]["message_sv"]
    assert _snapshot(api, people, case_id) == before
    status, sent = api.call(
        "POST", f"/cases/{case_id}/messages", who=people.anna, body={"text": line, "client_id": "long-1"}
    )
    assert status == 201 and sent["text"] == line
    _claim(api, people.nurse_a, case_id)
    close = {"outcome": "advice_given", "summary": "x" * (CLOSE_SUMMARY_MAX + 1)}
    status, body = api.call("POST", f"/staff/cases/{case_id}/close", who=people.nurse_a, body=close)
    _error(status, body, 422, "summary over its limit", field="summary")


LONE_SURROGATES = (b"\\ud800", b"\\udfff", b"a\\udc00b", b"\\ud83e")  # halves of a pair, alone


def test_a_lone_surrogate_in_json_gets_a_422_naming_the_field_and_a_whole_pair_is_kept(
    api: Api, people: People, case_id: str
) -> None:
    before = _snapshot(api, people, case_id)
    forms = [
        ("POST", f"/cases/{case_id}/messages", people.anna, b'{"client_id": "sur-1", "text": "%s"}', "text"),
        ("POST", "/citizen/triage", people.anna, b'{"unit_id": "%s", "reason": "Hosta"}' % UNIT_A.encode(), None),
        ("POST", "/citizen/triage", people.anna, b'{"unit_id": "' + UNIT_A.encode() + b'", "reason": "%s"}', "reason"),
        (
            "POST",
            "/staff/templates",
            people.nurse_a,
            b'{"template_id": "tmpl-sur-01", "scope": "personal", "title": "T", "text": "%s"}',
            "text",
        ),
        ("POST", f"/staff/cases/{case_id}/override", people.nurse_a, b'{"priority": "P4", "reason": "%s"}', "reason"),
    ]
    for method, path, who, template, field in forms:
        if field is None:
            continue
        for lone in LONE_SURROGATES:
            status, body = api.call(
                method, path, who=who, raw=template % lone, headers={"Idempotency-Key": "surrogate-0001"}
            )
            _error(status, body, 422, (path, lone), field=field)
            assert "ogiltigt tecken" in body["error"]["message_sv"], body
    assert _snapshot(api, people, case_id) == before
    assert api.call("GET", f"/staff/templates?unit_id={UNIT_A}", who=people.nurse_a)[1]["templates"] == []
    # an escaped pair is one character: 🤒
    raw = b'{"client_id": "sur-ok", "text": "\\ud83e\\udd12 feber"}'
    status, sent = api.call("POST", f"/cases/{case_id}/messages", who=people.anna, raw=raw)
    assert status == 201 and sent["text"] == "🤒 feber", sent


def test_the_api_answers_text_as_json_never_as_a_page(api: Api, people: People, case_id: str) -> None:
    api.call(
        "POST", f"/cases/{case_id}/messages", who=people.anna, body={"text": TEXTS["<script>"], "client_id": "h-1"}
    )
    token = api.token(people.nurse_a)
    response = api.client.http.get(f"/cases/{case_id}/messages", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    assert TEXTS["<script>"] in [m["text"] for m in json.loads(response.body)["messages"]]


# The pages put text from users and the server into the document only as text (textContent, text nodes, attribute
# values): no HTML parsing of anything a person wrote. This guards that: a new innerHTML (or the like) fails here
# until it is shown to take no user text and added below with the reason.
HTML_SINKS = re.compile(
    r"\.innerHTML\b|\.outerHTML\b|insertAdjacentHTML|document\.write|\bsrcdoc\b|\beval\(|new Function\("
    r"|createContextualFragment|DOMParser"
)
REVIEWED_SINKS = {
    # the BankID QR code: the server's SVG, rebuilt element by element from an allow-list (no script, no event
    # attributes, no foreign content); never user text
    (
        "frontend/shared/login.js",
        'const parsed = new DOMParser().parseFromString(String(markup || ""), "text/html").body.firstElementChild;',
    ),
}


def test_the_pages_never_parse_user_text_as_html() -> None:
    files = sorted((ROOT / "frontend").rglob("*.js")) + sorted((ROOT / "frontend").rglob("*.html"))
    assert len(files) > 20
    found = {
        (str(path.relative_to(ROOT)), line.strip())
        for path in files
        for line in path.read_text(encoding="utf-8").splitlines()
        if HTML_SINKS.search(line)
    }
    assert found == REVIEWED_SINKS
    dom = (ROOT / "frontend/shared/dom.js").read_text(encoding="utf-8")
    assert "el.textContent = value" in dom and "document.createTextNode(String(child))" in dom


def test_a_child_who_is_not_in_the_citizens_custody_is_refused_whatever_is_typed(api: Api, people: People) -> None:
    """A guardian chooses a child from GET /citizen/children; any other id (a personnummer typed in, someone else's
    child, markup) is refused without a draft, and without saying whose the number is."""
    for n, child in enumerate(("199001012385", "19121212-1212", "201905012383", "<script>x</script>", "../" * 20, "")):
        body = {"unit_id": UNIT_A, "reason": "Feber", "for_child": child}
        headers = {"Idempotency-Key": f"child-key-{n:04d}"}
        status, answer = api.call("POST", "/citizen/triage", who=people.anna, body=body, headers=headers)
        _error(status, answer, 422, child, field="for_child")
        assert "199001012385" not in json.dumps(answer)
    assert api.call("GET", "/citizen/triage", who=people.anna)[1]["drafts"] == []


def test_a_websocket_message_that_is_not_json_or_nested_too_deeply_is_ignored(api: Api) -> None:
    """The pages' WebSocket takes a ping (and video signalling); anything else is dropped, never an error."""
    from chalice.local import LambdaContext

    import app as app_module

    context = LambdaContext("websocket_handler", 256)
    for body in ("[" * DEEP + "]" * DEEP, '{"action": ', "\udcff", '"ping"'):
        event = {
            "requestContext": {"apiId": "local", "stage": "api", "connectionId": "conn-1", "domainName": "localhost"},
            "body": body,
            "isBase64Encoded": False,
        }
        assert app_module.ws_message(event, context)["statusCode"] == 200, body[:20]
