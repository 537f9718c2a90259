"""Notices to citizens carry no health data: every template, for every case fixture and every event that notifies,
is rendered and searched for the case's complaint, free text, protocol, triage answers, priority and profession.
Also the region's rules: quiet hours, the interval, what is urgent."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest

from chalicelib.domain.events import DomainEvent
from chalicelib.domain.model import Case
from chalicelib.domain.notices import (
    SWEDISH_TIME,
    NoticeFacts,
    NoticeKind,
    NoticeRules,
    QuietHours,
    kind_of,
    phone_invite_sms,
    render,
)
from chalicelib.services.notify import NOTICE_OF_EVENT, NotificationService

DAY = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)  # 11:00 Swedish time
UNIT = {"SE-VC-A": "Vårdcentralen Ljungarum", "SE-VC-B": "Vårdcentralen Tenhult"}

# Distinctive content: none of it may reach a phone or an inbox.
CASE_FIXTURES: list[dict[str, Any]] = [
    {
        "reason": "Bröstsmärta som strålar ut i vänster arm",
        "free_text": "Blodiga upphostningar sedan tisdag, Zyklofrax 20 mg",
        "expectations": "Vill få remiss till kardiolog",
        "profession": "doctor",
        "priority": "P1",
        "triage": {"protocol_id": "chest_pain", "protocol_title": "Bröstsmärta", "red_flags": ["rf_chest_pain_arm"]},
        "answers": [{"question_id": "q_radiating_pain", "answer": "Ja, strålar mot käken"}],
    },
    {
        "reason": "Tankar på att ta mitt liv",
        "free_text": "Sömnlös i tre veckor, ångestattacker på jobbet hos Quvrex AB",
        "expectations": "Samtal med kurator",
        "profession": "psychologist",
        "priority": "P2",
        "triage": {"protocol_id": "mental_health_suicidality", "protocol_title": "Psykisk ohälsa", "red_flags": []},
        "answers": [{"question_id": "q_suicide_plan", "answer": "Nej, ingen plan"}],
    },
    {
        "reason": "Blödning i vecka 14",
        "free_text": "Graviditet, mensliknande värk i underlivet, Fragmin-sprutor",
        "expectations": "Ultraljud",
        "profession": "midwife",
        "priority": "P3",
        "triage": {"protocol_id": "pregnancy_bleeding", "protocol_title": "Blödning under graviditet"},
        "answers": [{"question_id": "q_gestation_week", "answer": "14"}],
    },
    {
        "reason": "Sveda när jag kissar",
        "free_text": "Klamydiatest positivt förra året, partner Wilmerdotter",
        "expectations": "",
        "profession": "nurse",
        "priority": "P4",
        "triage": {"protocol_id": "urinary_symptoms", "protocol_title": "Urinvägsbesvär"},
        "answers": [{"question_id": "q_fever_urine", "answer": "Vet inte"}],
    },
]

PROFESSION_WORDS = ("läkare", "doctor", "psykolog", "psychologist", "barnmorska", "midwife", "sjuksköterska", "kurator")


def _forbidden(fixture: dict[str, Any]) -> list[str]:
    words = [fixture["reason"], fixture["free_text"], fixture["priority"], fixture["profession"], *PROFESSION_WORDS]
    words += [fixture["expectations"]] if fixture["expectations"] else []
    words += [str(v) for v in fixture["triage"].values() if isinstance(v, str)]
    words += [str(flag) for flag in fixture["triage"].get("red_flags", [])]
    for answer in fixture["answers"]:
        words += [answer["question_id"], answer["answer"]] if len(answer["answer"]) > 3 else [answer["question_id"]]
    # each distinctive word of the free text on its own, too
    words += [w.strip(",.") for w in (fixture["reason"] + " " + fixture["free_text"]).split() if len(w) > 5]
    return words


def _case(i: int, fixture: dict[str, Any]) -> Case:
    return Case.submit(
        case_id=f"case-{i}",
        tenant="testregion",
        unit_id="SE-VC-A",
        patient_ref=f"patient-{i}",
        reason=fixture["reason"],
        free_text=fixture["free_text"],
        priority=fixture["priority"],
        profession=fixture["profession"],
        now=DAY,
        disposition="chat",
        triage=fixture["triage"],
        expectations=fixture["expectations"],
        notify_sms="+46701234567",
        notify_email="medborgare@exempel.se",
        patient_name="Ingrid Testdotter",
        triage_answers=fixture["answers"],
    )


@dataclass
class Recorded:
    sms: list[str] = field(default_factory=list)
    email: list[tuple[str, str]] = field(default_factory=list)


class _Cases:
    def __init__(self, cases: list[Case]) -> None:
        self._by_id = {c.case_id: c for c in cases}

    def get(self, tenant: str, case_id: str) -> Case | None:
        return self._by_id.get(case_id)


class _Always:
    """Claims and logs that always let the notice through (the interval is tested against DynamoDB elsewhere)."""

    def claim(self, *args: Any, **kwargs: Any) -> bool:
        return True

    def release(self, *args: Any, **kwargs: Any) -> None: ...

    def defer(self, *args: Any, **kwargs: Any) -> None: ...


class _Directory:
    def region(self, tenant: str) -> dict[str, Any]:
        return {}

    def unit(self, tenant: str, unit_id: str) -> dict[str, Any]:
        return {"unit_id": unit_id, "name": UNIT[unit_id]}


class _Nobody:
    def of_subject(self, tenant: str, subject: str) -> list[str]:
        return []


class _Sms:
    def __init__(self, into: Recorded) -> None:
        self._into = into

    def send(self, phone_number: str, text: str) -> None:
        self._into.sms.append(text)


class _Email:
    def __init__(self, into: Recorded) -> None:
        self._into = into

    def send(self, address: str, subject: str, text: str) -> None:
        self._into.email.append((subject, text))


EVENT_DATA: dict[str, list[dict[str, Any]]] = {
    "MessagePosted": [{"sender_kind": "staff", "seq": 2}],
    "AppointmentBooked": [{"starts_at": "2026-11-27T09:30:00+00:00", "form": "physical"}],
    "AppointmentRescheduled": [{"starts_at": "2026-11-28T09:30:00+00:00", "from": "2026-11-27T09:30:00+00:00"}],
    "AppointmentReminderDue": [{"starts_at": "2026-11-26T09:30:00+00:00", "form": "video"}],
    "AppointmentCancelled": [
        {"starts_at": "2026-11-27T09:30:00+00:00", "by_staff": True},
        {"starts_at": "2026-11-27T09:30:00+00:00", "by_staff": False},
    ],
    "VideoStarted": [{"meeting_id": "m1"}],
    "CaseReferred": [{"from_unit_id": "SE-VC-A", "to_unit_id": "SE-VC-B", "to_profession": "psychologist"}],
    "CaseClosed": [{"outcome": "advice_given"}],
}


def test_every_notifying_event_has_sample_data_here() -> None:
    assert set(EVENT_DATA) == set(NOTICE_OF_EVENT)


@pytest.mark.parametrize("index", range(len(CASE_FIXTURES)))
def test_no_notice_for_any_event_carries_the_cases_health_data(index: int) -> None:
    fixture = CASE_FIXTURES[index]
    recorded = Recorded()
    sent = 0
    # as the case is before staff first wrote (a staff message is then the first reply) and after (a later message)
    before = _case(index, fixture)
    after = replace(before, first_contact_at=DAY - timedelta(hours=1))
    for case in (before, after):
        notify = NotificationService(
            _Cases([case]),  # type: ignore[arg-type]
            _Always(),  # type: ignore[arg-type]
            _Always(),  # type: ignore[arg-type]
            _Directory(),  # type: ignore[arg-type]
            _Nobody(),  # type: ignore[arg-type]
            clock=lambda: DAY,
            link="https://nara.example/citizen/",
            sms=_Sms(recorded),
            email=_Email(recorded),
        )
        for event_type, samples in EVENT_DATA.items():
            for n, data in enumerate(samples):
                event = DomainEvent(f"{event_type}-{n}", event_type, "testregion", case.case_id, DAY.isoformat(), data)
                assert notify.on_event(event) is True, event_type
                sent += 1
    assert len(recorded.sms) == len(recorded.email) == sent
    assert {kind_of(text) for text in recorded.sms} >= {k.value for k in NoticeKind} - {"phone_invite"}
    texts = recorded.sms + [s for pair in recorded.email for s in pair]
    for text in texts:
        assert "https://nara.example/citizen/#/arenden/" in text or text.startswith("Nära:")
        lowered = text.casefold()
        for word in _forbidden(fixture):
            assert word.casefold() not in lowered, (word, text)
        assert "Ingrid" not in text  # not even the name
        assert UNIT["SE-VC-B"] not in text  # a referral does not say where it went


@pytest.mark.parametrize("kind", list(NoticeKind))
@pytest.mark.parametrize("language", [None, "sv", "en"])
def test_every_template_renders_with_unit_link_and_is_recognised(kind: NoticeKind, language: str | None) -> None:
    facts = NoticeFacts("Vårdcentralen Ljungarum", "https://nara.example/citizen/#/arenden/c1", DAY, by_staff=True)
    notice = render(kind, facts, language)
    for text in (notice.sms, notice.email):
        assert "Vårdcentralen Ljungarum" in text and facts.link in text
        assert kind_of(text) == kind.value
    assert notice.subject.startswith("Nära: ")
    swedish, english = "Logga in" in notice.sms, "Log in" in notice.sms
    assert (swedish, english) == {None: (True, True), "sv": (True, False), "en": (False, True)}[language]


def test_a_booking_notice_gives_the_time_in_swedish_time() -> None:
    notice = render(NoticeKind.BOOKING_CONFIRMED, NoticeFacts("VC", "L", datetime(2026, 11, 27, 9, 30, tzinfo=UTC)))
    assert "2026-11-27 kl. 10.30" in notice.sms and "2026-11-27 at 10:30" in notice.sms


def test_a_cancellation_says_whether_the_unit_cancelled() -> None:
    by_unit = render(NoticeKind.BOOKING_CANCELLED, NoticeFacts("VC", "L", DAY, by_staff=True), "sv")
    asked = render(NoticeKind.BOOKING_CANCELLED, NoticeFacts("VC", "L", DAY, by_staff=False), "sv")
    assert "av mottagningen" in by_unit.sms and "av mottagningen" not in asked.sms


def test_the_phone_invite_sms_is_only_the_link() -> None:
    text = phone_invite_sms("https://nara.example/citizen/#/ny-kontakt?inbjudan=abc")
    assert text.startswith("Logga in i Nära: https://nara.example/citizen/#/ny-kontakt?inbjudan=abc")
    assert kind_of(text) == "phone_invite"


def _swedish(hour: int, minute: int = 0, day: int = 25) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=SWEDISH_TIME)


def test_quiet_hours_default_from_nine_in_the_evening_to_eight_in_the_morning() -> None:
    quiet = NoticeRules.of_region({}).quiet
    assert not quiet.contains(_swedish(20, 59))
    assert quiet.contains(_swedish(21, 0)) and quiet.contains(_swedish(3, 0)) and quiet.contains(_swedish(7, 59))
    assert not quiet.contains(_swedish(8, 0))
    assert quiet.ends_after(_swedish(22, 0)) == _swedish(8, 0, day=26).astimezone(UTC)
    assert quiet.ends_after(_swedish(6, 0)) == _swedish(8, 0).astimezone(UTC)
    assert quiet.ends_after(_swedish(12, 0)) == _swedish(12, 0)


def test_a_region_sets_its_own_quiet_hours_and_interval() -> None:
    rules = NoticeRules.of_region(
        {"notices": {"sms_interval_minutes": 60, "quiet_hours": {"start": "22:30", "end": "07:00"}}}
    )
    assert rules.interval == timedelta(hours=1)
    assert rules.quiet == QuietHours(time(22, 30), time(7, 0))
    assert not rules.quiet.contains(_swedish(22, 0)) and rules.quiet.contains(_swedish(6, 59))
    assert NoticeRules.of_region({}).interval == timedelta(minutes=15)
    assert not QuietHours(time(8), time(8)).contains(_swedish(3))  # equal start and end: no quiet hours


def test_video_now_and_a_reminder_of_an_early_time_are_not_held_by_quiet_hours() -> None:
    rules = NoticeRules.of_region({})
    night = _swedish(22, 0)
    assert not rules.hold_sms(NoticeKind.VIDEO_STARTING, night)
    assert not rules.hold_sms(NoticeKind.BOOKING_REMINDER, night, _swedish(8, 30, day=26))
    assert rules.hold_sms(NoticeKind.BOOKING_REMINDER, night, _swedish(15, 0, day=26))
    assert rules.hold_sms(NoticeKind.MESSAGE, night) and rules.hold_sms(NoticeKind.CASE_CLOSED, night)
    assert not rules.hold_sms(NoticeKind.MESSAGE, _swedish(12, 0))
