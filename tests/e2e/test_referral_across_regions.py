"""Remiss till annan region, end to end between two regions' stacks (each its own process, embedded AWS and keys):
a nurse at Jönköping refers a case, with the patient's consent, to a unit of Kalmar; the case and its chat travel as
an event and a signed request; Kalmar's nurse sees it in her queue as a referral with the whole story, and her
answer (taking it, or rejecting it with a reason) comes back the same way. Both access logs record it; requests not
signed by the partner region change nothing."""

from __future__ import annotations

import asyncio
import io
import json
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import jwt
import pytest
import websockets
from cryptography.hazmat.primitives.asymmetric import ec
from PIL import Image

from tests.stack import RunningStack, start_stack

pytestmark = pytest.mark.e2e

HUSKVARNA = "SE2321000057-VC01"  # Jönköping
KALMAR_CENTRUM = "SE2321000081-VC01"  # Kalmar
TOLVAN = "191212121212"
LILLY = "201803142387"  # Tolvan's daughter (the population register simulator)
GRETA = "199001012385"
ANNA_NURSE = "SE2321000057-S001"  # Jönköping, Huskvarna
ELIN_NURSE = "SE2321000081-S001"  # Kalmar, Kalmar centrum
SBAR = {
    "situation": "Hosta i tre veckor, bor sedan en månad i Kalmar.",
    "background": "Frisk sedan tidigare, ingen feber.",
    "assessment": "Behöver undersökas på plats; inga tecken på akut sjukdom.",
    "recommendation": "Bokning hos distriktssköterska på hemorten inom en vecka.",
}


@pytest.fixture(scope="module")
def regions(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    running = start_stack(tmp_path_factory.mktemp("referral"), timeout=90, regions=("jonkoping", "kalmar"))
    yield running
    running.stop()


def _api(region: RunningStack, token: str, key: str | None = None) -> httpx.Client:
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": key or uuid.uuid4().hex}
    return httpx.Client(base_url=f"{region.origin}/api", headers=headers, timeout=20)


def _until(what: Callable[[], Any], *, seconds: float = 30) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = what()
        if found:
            return found
        time.sleep(0.3)
    raise AssertionError("it did not happen in time")


def _claimed_case(jonkoping: RunningStack, anna: str, reason: str) -> str:
    citizen = jonkoping.login("citizen", TOLVAN)
    case_id = str(jonkoping.send_case(citizen, unit_id=HUSKVARNA, reason=reason)["case_id"])
    _api(jonkoping, anna).post(f"/staff/cases/{case_id}/claim").raise_for_status()
    jonkoping.post_message(anna, case_id, "Hej! Jag ser att du bor i Kalmar nu. Får jag skicka ärendet dit?")
    jonkoping.post_message(citizen, case_id, "Ja, det får du gärna.")
    return case_id


def _send_photo(region: RunningStack, citizen: str, case_id: str) -> str:
    """The citizen sends a photo in the case's chat (a 2000×1500 PNG: re-encoded to a JPEG on arrival)."""
    api = _api(region, citizen)
    picture = io.BytesIO()
    Image.new("RGB", (2000, 1500), (170, 80, 70)).save(picture, "PNG")
    slot = api.post(f"/citizen/cases/{case_id}/photos", json={"content_type": "image/png", "size": 1})
    assert slot.status_code == 201, slot.text
    form = slot.json()["upload"]
    files = {"file": ("utslag.png", picture.getvalue(), "image/png")}
    assert httpx.post(form["url"], data=form["fields"], files=files).is_success
    done = api.post(f"/citizen/cases/{case_id}/photos/{slot.json()['photo_id']}/complete")
    assert done.status_code == 200, done.text
    return str(slot.json()["photo_id"])


def _referral(case: dict[str, Any]) -> dict[str, Any]:
    return next(r for r in case["referrals"] if r.get("kind") == "region")


def test_a_case_referred_with_consent_reaches_the_other_regions_queue_and_its_acceptance_comes_back(
    regions: RunningStack,
) -> None:
    jonkoping, kalmar = regions.region("jonkoping"), regions.region("kalmar")
    anna = jonkoping.login("staff", ANNA_NURSE)
    case_id = _claimed_case(jonkoping, anna, "Långdragen hosta")
    photo_id = _send_photo(jonkoping, jonkoping.login("citizen", TOLVAN), case_id)
    staff = _api(jonkoping, anna)

    partners = staff.get("/staff/regions").raise_for_status().json()["regions"]
    kalmar_region = next(r for r in partners if r["tenant"] == "kalmar")
    assert kalmar_region["name"] == "Region Kalmar län" and kalmar_region["available"]
    assert KALMAR_CENTRUM in {u["unit_id"] for u in kalmar_region["units"]}

    refer = {"to_region": "kalmar", "to_unit_id": KALMAR_CENTRUM, "to_profession": "nurse", **SBAR}
    refer |= {"consent": "chat", "personal_number": TOLVAN}
    key = uuid.uuid4().hex
    referred = _api(jonkoping, anna, key).post(f"/staff/cases/{case_id}/refer-region", json=refer)
    assert referred.status_code == 200, referred.text
    body = referred.json()
    assert body["status"] == "claimed" and body["claimed_by"] == ANNA_NURSE  # hers until Kalmar answers
    sent = _referral(body)
    assert (
        sent["state"] == "sending"
        and sent["consent"]["how"] == "chat"
        and sent["to_region_name"] == "Region Kalmar län"
    )
    again = _api(jonkoping, anna, key).post(f"/staff/cases/{case_id}/refer-region", json=refer).json()
    assert len([r for r in again["referrals"] if r.get("kind") == "region"]) == 1  # a retry changes nothing

    delivered = _until(
        lambda: (c := staff.get(f"/staff/cases/{case_id}").json()) and _referral(c)["state"] == "delivered" and c
    )
    remote_id = _referral(delivered)["remote_case_id"]
    assert remote_id and "personal_number" not in json.dumps(delivered)

    # Kalmar: the nurse's queue shows it as a referral from Jönköping, with the story and the SBAR note
    elin = kalmar.login("staff", ELIN_NURSE)
    kalmar_staff = _api(kalmar, elin)
    queue = kalmar_staff.get("/staff/queue", params={"unit_id": KALMAR_CENTRUM}).json()["cases"]
    entry = next(c for c in queue if c["case_id"] == remote_id)
    assert entry["referral"]["kind"] == "region" and "Region Jönköpings län" in entry["referral"]["by_name"]
    assert entry["reason"] == "Långdragen hosta" and entry["priority"] == delivered["priority"]
    there = kalmar_staff.get(f"/staff/cases/{remote_id}").json()
    incoming = _referral(there)
    assert incoming["from_region_name"] == "Region Jönköpings län" and incoming["situation"] == SBAR["situation"]
    assert incoming["consent"]["how"] == "chat"
    assert [m["text"] for m in incoming["history"]][-2] == "Ja, det får du gärna."
    assert incoming["history"][-1]["photo_id"] == photo_id  # the chat's photo, in its place in the history
    # the photo itself came along: checked and re-encoded at Kalmar, kept in Kalmar's bucket, shown to its staff
    (photo,) = kalmar_staff.get(f"/staff/cases/{remote_id}/photos").json()["photos"]
    assert photo["photo_id"] == photo_id and (photo["width"], photo["height"]) == (2000, 1500)
    image = httpx.get(photo["url"])
    assert image.status_code == 200 and photo["url"].startswith(kalmar.origin)
    assert Image.open(io.BytesIO(image.content)).size == (2000, 1500)
    assert there["triage_answers"] == delivered["triage_answers"]

    # the same person, logged in at Kalmar, finds the case there
    tolvan_kalmar = kalmar.login("citizen", TOLVAN)
    mine = _api(kalmar, tolvan_kalmar).get("/citizen/cases").json()["cases"]
    assert remote_id in [c["case_id"] for c in mine]

    # taking it accepts the referral; the answer closes the case at Jönköping as referred
    kalmar_staff.post(f"/staff/cases/{remote_id}/claim").raise_for_status()
    closed = _until(lambda: (c := staff.get(f"/staff/cases/{case_id}").json())["status"] == "closed" and c)
    assert closed["close_outcome"] == "referred" and _referral(closed)["state"] == "accepted"
    assert "Elin" in _referral(closed)["answered_by_name"] and "Region Kalmar län" in closed["close_summary"]

    # both access logs: the disclosure at Jönköping, the receipt at Kalmar (both by the referring nurse)
    tolvan_jonkoping = jonkoping.login("citizen", TOLVAN)
    here = _api(jonkoping, tolvan_jonkoping).get("/citizen/access-log").json()
    there_log = _api(kalmar, tolvan_kalmar).get("/citizen/access-log").json()
    assert _has_record(here, HUSKVARNA, "disclose_to_region") and _has_record(here, HUSKVARNA, "refer_case_region")
    assert _has_record(there_log, KALMAR_CENTRUM, "receive_from_region")
    assert _has_record(there_log, KALMAR_CENTRUM, "claim_case")
    assert not _has_record(here, KALMAR_CENTRUM, "claim_case")  # each region logs what happened in it


def _has_record(extract: dict[str, Any], unit_id: str, action: str) -> bool:
    """The citizen's own extract shows the access: what was done, at which unit (the extract names no person)."""
    return any(e["action"] == action and e["unit_id"] == unit_id for e in extract["entries"])


def test_the_referral_and_its_answer_are_pushed_live_to_the_receiving_unit_and_the_referrer(
    regions: RunningStack,
) -> None:
    """No one waits for the queue's next poll: the receiving nurse's page is told of the new case the moment it
    arrives, and the referrer's of Kalmar's answer the moment it comes back."""
    jonkoping, kalmar = regions.region("jonkoping"), regions.region("kalmar")
    anna = jonkoping.login("staff", ANNA_NURSE)
    case_id = _claimed_case(jonkoping, anna, "Hosta sedan en månad")
    elin = kalmar.login("staff", ELIN_NURSE)
    refer = {"to_region": "kalmar", "to_unit_id": KALMAR_CENTRUM, "to_profession": "nurse", **SBAR}
    refer |= {"consent": "chat", "personal_number": TOLVAN}

    async def pushes_until(ws: Any, done: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        while True:
            push = json.loads(await asyncio.wait_for(ws.recv(), timeout=30))
            if push.get("type") == "case" and done(push["case"]):
                return dict(push["case"])

    async def watch() -> tuple[dict[str, Any], dict[str, Any]]:
        async with (
            websockets.connect(jonkoping.ws_connect_url(anna)) as anna_ws,
            websockets.connect(kalmar.ws_connect_url(elin)) as elin_ws,
        ):
            async with httpx.AsyncClient(base_url=f"{jonkoping.origin}/api", timeout=20) as client:
                sent = await client.post(
                    f"/staff/cases/{case_id}/refer-region",
                    json=refer,
                    headers={"Authorization": f"Bearer {anna}", "Idempotency-Key": uuid.uuid4().hex},
                )
                assert sent.status_code == 200, sent.text
            arrived = await pushes_until(
                elin_ws, lambda c: c.get("unit_id") == KALMAR_CENTRUM and c.get("status") == "queued"
            )
            async with httpx.AsyncClient(base_url=f"{kalmar.origin}/api", timeout=20) as client:
                claimed = await client.post(
                    f"/staff/cases/{arrived['case_id']}/claim",
                    headers={"Authorization": f"Bearer {elin}", "Idempotency-Key": uuid.uuid4().hex},
                )
                assert claimed.status_code == 200, claimed.text
            answered = await pushes_until(anna_ws, lambda c: c.get("case_id") == case_id and c["status"] == "closed")
            return arrived, answered

    arrived, answered = asyncio.run(watch())  # a push says what changed, never about whom (docs/access-log.md)
    assert arrived["profession"] == "nurse" and "reason" not in arrived
    there = _api(kalmar, elin).get(f"/staff/cases/{arrived['case_id']}").json()
    assert _referral(there)["from_case_id"] == case_id and there["reason"] == "Hosta sedan en månad"
    assert answered["status"] == "closed" and "claimed_by" in answered


def test_a_childs_case_keeps_its_guardian_in_the_other_region(regions: RunningStack) -> None:
    """A guardian sent the case for her child: the referral asks for both personnummer (each checked against the
    case), and in Kalmar the guardian follows the child's case as at home — a staff message reaches her at once."""
    jonkoping, kalmar = regions.region("jonkoping"), regions.region("kalmar")
    tolvan = jonkoping.login("citizen", TOLVAN)
    children = _api(jonkoping, tolvan).get("/citizen/children").json()["children"]
    lilly = next(c["child_id"] for c in children if c["name"] == "Lilly Tolvansson")
    case_id = str(
        jonkoping.send_case(tolvan, unit_id=HUSKVARNA, reason="Feber sedan i går", for_child=lilly)["case_id"]
    )
    anna = jonkoping.login("staff", ANNA_NURSE)
    staff = _api(jonkoping, anna)
    staff.post(f"/staff/cases/{case_id}/claim").raise_for_status()
    assert staff.get(f"/staff/cases/{case_id}").json()["sent_by_guardian"] is True
    refer = {"to_region": "kalmar", "to_unit_id": KALMAR_CENTRUM, "to_profession": "nurse", **SBAR}
    refer |= {"consent": "phone", "personal_number": LILLY}

    without = staff.post(f"/staff/cases/{case_id}/refer-region", json=refer)
    assert without.status_code == 422 and without.json()["error"]["field"] == "guardian_personal_number"
    wrong = staff.post(f"/staff/cases/{case_id}/refer-region", json=refer | {"guardian_personal_number": GRETA})
    assert wrong.status_code == 422 and "vårdnadshavaren" in wrong.json()["error"]["message_sv"]
    sent = staff.post(f"/staff/cases/{case_id}/refer-region", json=refer | {"guardian_personal_number": TOLVAN})
    assert sent.status_code == 200, sent.text
    delivered = _until(
        lambda: (c := staff.get(f"/staff/cases/{case_id}").json()) and _referral(c)["state"] == "delivered" and c
    )
    remote_id = _referral(delivered)["remote_case_id"]

    elin = kalmar.login("staff", ELIN_NURSE)
    there = _api(kalmar, elin).get(f"/staff/cases/{remote_id}").json()
    assert there["sent_by_guardian"] is True and there["patient_name"] == "Lilly Tolvansson"
    _api(kalmar, elin).post(f"/staff/cases/{remote_id}/claim").raise_for_status()
    tolvan_kalmar = kalmar.login("citizen", TOLVAN)

    async def guardian_hears() -> dict[str, Any]:
        async with websockets.connect(kalmar.ws_connect_url(tolvan_kalmar)) as ws:
            kalmar.post_message(elin, remote_id, "Hej! Hur hög feber har Lilly haft?")
            while True:
                push = json.loads(await asyncio.wait_for(ws.recv(), timeout=20))
                if push.get("type") == "message":
                    return dict(push["message"])

    heard = asyncio.run(guardian_hears())
    assert heard["text"] == "Hej! Hur hög feber har Lilly haft?"


def test_a_rejected_referral_goes_back_to_the_referrer_with_the_reason(regions: RunningStack) -> None:
    jonkoping, kalmar = regions.region("jonkoping"), regions.region("kalmar")
    anna = jonkoping.login("staff", ANNA_NURSE)
    case_id = _claimed_case(jonkoping, anna, "Ont i knät")
    staff = _api(jonkoping, anna)
    refer = {"to_region": "kalmar", "to_unit_id": KALMAR_CENTRUM, "to_profession": "nurse", **SBAR}
    staff.post(
        f"/staff/cases/{case_id}/refer-region", json=refer | {"consent": "phone", "personal_number": TOLVAN}
    ).raise_for_status()
    delivered = _until(
        lambda: (c := staff.get(f"/staff/cases/{case_id}").json()) and _referral(c)["state"] == "delivered" and c
    )
    remote_id = _referral(delivered)["remote_case_id"]

    elin = _api(kalmar, kalmar.login("staff", ELIN_NURSE))
    rejected = elin.post(
        f"/staff/cases/{remote_id}/referral/reject", json={"reason": "Patienten är inte skriven i Kalmar län."}
    )
    assert rejected.status_code == 200, rejected.text
    assert rejected.json()["status"] == "closed"
    queue = elin.get("/staff/queue", params={"unit_id": KALMAR_CENTRUM}).json()["cases"]
    assert remote_id not in [c["case_id"] for c in queue]

    back = _until(
        lambda: (c := staff.get(f"/staff/cases/{case_id}").json()) and _referral(c)["state"] == "rejected" and c
    )
    assert back["status"] == "claimed" and back["claimed_by"] == ANNA_NURSE  # still hers, to decide what next
    assert _referral(back)["reject_reason"] == "Patienten är inte skriven i Kalmar län."
    # and she may chat on: the case is open
    jonkoping.post_message(anna, case_id, "Kalmar kunde inte ta emot; vi bokar en tid här i stället.")


def test_a_referral_without_consent_or_with_another_persons_number_is_refused_and_changes_nothing(
    regions: RunningStack,
) -> None:
    jonkoping = regions.region("jonkoping")
    anna = jonkoping.login("staff", ANNA_NURSE)
    case_id = _claimed_case(jonkoping, anna, "Yrsel")
    staff = _api(jonkoping, anna)
    base = {"to_region": "kalmar", "to_unit_id": KALMAR_CENTRUM, "to_profession": "nurse", **SBAR}
    cases = [
        (base | {"consent": "nej", "personal_number": TOLVAN}, "consent"),
        (base | {"consent": "chat", "personal_number": "198112189876"}, "personal_number"),  # someone else
        (base | {"consent": "chat", "personal_number": "191212121213"}, "personal_number"),  # a typing error
        (base | {"to_region": "uppsala", "consent": "chat", "personal_number": TOLVAN}, "to_region"),
        (base | {"to_unit_id": HUSKVARNA, "consent": "chat", "personal_number": TOLVAN}, "to_unit_id"),
        (base | {"situation": " ", "consent": "chat", "personal_number": TOLVAN}, "situation"),
    ]
    for body, field in cases:
        response = _api(jonkoping, anna).post(f"/staff/cases/{case_id}/refer-region", json=body)
        assert response.status_code == 422, (field, response.text)
        error = response.json()["error"]
        assert error["field"] == field and error["message_sv"], response.text  # a message a nurse can act on
    case = staff.get(f"/staff/cases/{case_id}").json()
    assert case["status"] == "claimed" and not [r for r in case["referrals"] if r.get("kind") == "region"]


def test_only_the_partner_regions_signature_is_accepted(regions: RunningStack) -> None:
    jonkoping, kalmar = regions.region("jonkoping"), regions.region("kalmar")
    elin = _api(kalmar, kalmar.login("staff", ELIN_NURSE))
    before = {c["case_id"] for c in elin.get("/staff/queue", params={"unit_id": KALMAR_CENTRUM}).json()["cases"]}
    body = json.dumps({"referral_id": "forged-0001", "from_region": "jonkoping"}).encode()
    own_key = ec.generate_private_key(ec.SECP256R1())
    now = int(datetime.now(UTC).timestamp())
    forged = jwt.encode(
        {"iss": "jonkoping", "aud": "kalmar", "iat": now, "exp": now + 60, "body_sha256": "0" * 64},
        own_key,
        algorithm="ES256",
        headers={"kid": "not-jonkopings"},
    )
    session = jonkoping.login("staff", ANNA_NURSE)  # a Jönköping session is not a region's signature either
    for authorization in ("", f"Bearer {forged}", f"Bearer {session}"):
        response = httpx.post(
            f"{kalmar.origin}/api/interregion/referrals",
            content=body,
            headers={"authorization": authorization, "content-type": "application/json"},
            timeout=15,
        )
        assert response.status_code == 401, response.text
    answer = httpx.post(
        f"{jonkoping.origin}/api/interregion/referrals/forged-0001/answer",
        content=b'{"case_id":"x","state":"accepted","by_name":"x","at":"2026-01-01T00:00:00Z"}',
        headers={"authorization": f"Bearer {forged}", "content-type": "application/json"},
        timeout=15,
    )
    assert answer.status_code == 401
    after = {c["case_id"] for c in elin.get("/staff/queue", params={"unit_id": KALMAR_CENTRUM}).json()["cases"]}
    assert after == before
    keys = httpx.get(f"{jonkoping.origin}/api/interregion/jwks.json").json()["keys"]
    assert len(keys) == 1 and keys[0]["kty"] == "EC" and "d" not in keys[0]  # the public half only
