"""The demo tenant of the local stack: Region Jönköpings län, three vårdcentraler, staff and demo citizens.

All names, HSA-ids and personnummer here are made up (the personnummer are Skatteverket-style test numbers).
"""

from __future__ import annotations

from typing import Any

TENANT = "jonkoping"
REGION_NAME = "Region Jönköpings län"
ACCESSIBILITY_CONTACT = "tillganglighet@nara-demo.example"  # made up, like everything here

_WEEKDAYS = {day: [["08:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}
_CHAT = {day: [["08:00", "16:30"]] for day in ("mon", "tue", "wed", "thu", "fri")}
_ALWAYS = {day: [["00:00", "24:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}

# The region's own settings. After hours, what cannot wait for the vårdcentral goes to 1177 on the phone (the
# alternative, {"jourcentral": "<unit_id>"}, sends it to a jourcentral's queue). The akutmottagningar are the
# region's emergency departments, shown when the triage says "go to an emergency department now".
REGION: dict[str, Any] = {
    "name": "Region Jönköpings län",
    "after_hours": "call_1177",
    # Open booking (webbtidbok): which professions and priorities a citizen may book themselves after the triage,
    # and until how many hours before the time they can change or cancel it online.
    "self_booking": {
        "professions": ["doctor", "nurse", "physiotherapist", "midwife", "psychologist"],
        "priorities": ["P3", "P4", "P5"],
        "cancel_limit_hours": 24,
    },
    # Notices to citizens (docs/notifications.md): at most one message SMS per case per interval; no non-urgent SMS
    # in quiet hours (Swedish time; a real region keeps the default 21:00-08:00). The demo has none (equal start and
    # end), so the outbox shows every notice at once at any hour. "sms_provider" may name an HTTP gateway instead.
    "notices": {"sms_interval_minutes": 15, "quiet_hours": {"start": "00:00", "end": "00:00"}},
    "sms_provider": "sns",
    "emergency_departments": [
        {
            "name": "Akutmottagningen, Länssjukhuset Ryhov",
            "address": "Sjukhusgatan, 553 05 Jönköping",
            "phone": "036-32 10 00",
            "hours": {"sv": "Öppen dygnet runt", "en": "Open around the clock"},
        },
        {
            "name": "Akutmottagningen, Höglandssjukhuset",
            "address": "Västra Storgatan 36, 575 81 Eksjö",
            "phone": "0381-350 00",
            "hours": {"sv": "Öppen dygnet runt", "en": "Open around the clock"},
        },
        {
            "name": "Akutmottagningen, Värnamo sjukhus",
            "address": "Västra vägen 1, 331 85 Värnamo",
            "phone": "0370-690 00",
            "hours": {"sv": "Öppen dygnet runt", "en": "Open around the clock"},
        },
    ],
}

UNITS: list[dict[str, Any]] = [
    {
        # A digital vårdcentral staffed around the clock (chat and video only), as several regions run.
        "unit_id": "SE2321000057-VC00",
        "name": "Digitala vårdcentralen",
        "address": "Digital mottagning – inga besök",
        "phone": "036-10 10 00",
        "phone_hours": {"sv": "alla dagar 08.00–20.00", "en": "every day 8 am – 8 pm"},
        "opening_hours": {"chat": _ALWAYS, "video": _ALWAYS},
        "professions": ["nurse", "doctor"],
    },
    {
        "unit_id": "SE2321000057-VC01",
        "name": "Vårdcentralen Huskvarna",
        "address": "Jönköpingsvägen 10, 561 31 Huskvarna",
        "phone": "036-10 10 01",
        "phone_hours": {"sv": "vardagar 08.00–10.00 och 13.00–15.00", "en": "weekdays 8–10 am and 1–3 pm"},
        "opening_hours": {"physical": _WEEKDAYS, "chat": _CHAT, "video": _CHAT},
        "professions": ["nurse", "doctor", "midwife", "medical_secretary"],
    },
    {
        "unit_id": "SE2321000057-VC02",
        "name": "Vårdcentralen Nässjö",
        "address": "Storgatan 5, 571 31 Nässjö",
        "phone": "0380-10 10 02",
        "phone_hours": {"sv": "vardagar 08.00–12.00", "en": "weekdays 8 am – 12 noon"},
        "opening_hours": {"physical": _WEEKDAYS, "chat": _CHAT, "video": _CHAT},
        "professions": ["nurse", "doctor", "psychologist"],
    },
    {
        "unit_id": "SE2321000057-VC03",
        "name": "Vårdcentralen Tenhult",
        "address": "Tenhultsvägen 2, 560 27 Tenhult",
        "phone": "036-10 10 03",
        "phone_hours": {
            "sv": "måndag–torsdag 08.00–11.00, fredag 08.00–10.00",
            "en": "Monday–Thursday 8–11 am, Friday 8–10 am",
        },
        "opening_hours": {"physical": _WEEKDAYS, "chat": _CHAT},
        "professions": ["nurse", "doctor", "physiotherapist"],
    },
]

DIGITAL, HUSKVARNA, NASSJO, TENHULT = (u["unit_id"] for u in UNITS)

STAFF: list[dict[str, Any]] = [
    {
        "hsa_id": "SE2321000057-S001",
        "name": "Anna Lind",
        "title": "Sjuksköterska",
        "roles": [{"unit_id": HUSKVARNA, "role": "nurse"}],
    },
    {
        "hsa_id": "SE2321000057-S002",
        "name": "Lena Holm",
        "title": "Sjuksköterska och barnmorska",
        "roles": [{"unit_id": HUSKVARNA, "role": "nurse"}, {"unit_id": HUSKVARNA, "role": "midwife"}],
    },
    {
        "hsa_id": "SE2321000057-S003",
        "name": "Erik Berg",
        "title": "Läkare",
        "roles": [{"unit_id": HUSKVARNA, "role": "doctor"}, {"unit_id": TENHULT, "role": "doctor"}],
    },
    {
        "hsa_id": "SE2321000057-S004",
        "name": "Omar Haddad",
        "title": "Psykolog",
        "roles": [{"unit_id": NASSJO, "role": "psychologist"}],
    },
    {
        "hsa_id": "SE2321000057-S005",
        "name": "Sara Nyström",
        "title": "Fysioterapeut",
        "roles": [{"unit_id": TENHULT, "role": "physiotherapist"}],
    },
    {
        "hsa_id": "SE2321000057-S006",
        "name": "Karin Sjöberg",
        "title": "Sjuksköterska",
        "roles": [{"unit_id": NASSJO, "role": "nurse"}, {"unit_id": TENHULT, "role": "nurse"}],
    },
    {
        "hsa_id": "SE2321000057-S007",
        "name": "Johan Ek",
        "title": "Medicinsk sekreterare och schemaadministratör",
        # the unit's administrator: keeps everyone's bookable times (Schema) besides his own work
        "roles": [{"unit_id": HUSKVARNA, "role": "medical_secretary"}, {"unit_id": HUSKVARNA, "role": "admin"}],
    },
    {
        "hsa_id": "SE2321000057-S008",
        "name": "Maria Lundqvist",
        "title": "Sjuksköterska",
        "roles": [{"unit_id": DIGITAL, "role": "nurse"}],
    },
    {
        "hsa_id": "SE2321000057-S009",
        "name": "Peter Sandberg",
        "title": "Läkare",
        "roles": [{"unit_id": DIGITAL, "role": "doctor"}],
    },
    {
        "hsa_id": "SE2321000057-S010",
        "name": "Ingrid Wallin",
        "title": "Samordnande sjuksköterska",
        # the unit's coordinator: cases left unclaimed past their deadline are escalated to her (docs/events.md)
        "roles": [{"unit_id": HUSKVARNA, "role": "nurse"}, {"unit_id": HUSKVARNA, "role": "coordinator"}],
    },
]

CITIZENS: list[dict[str, str]] = [
    {"personnummer": "191212121212", "name": "Tolvan Tolvansson"},
    {"personnummer": "199001012385", "name": "Greta Andersson"},
    {"personnummer": "198505059876", "name": "Ali Hassan"},
]


def seed(directory: Any) -> None:
    """Write the demo region's settings, units and staff; safe to run again (conditional creates)."""
    directory.put_region(TENANT, REGION)
    for unit in UNITS:
        details = {k: v for k, v in unit.items() if k not in ("unit_id", "name")}
        directory.put_unit(TENANT, unit["unit_id"], unit["name"], details)
    for person in STAFF:
        directory.put_staff(TENANT, person["hsa_id"], person["name"], person["roles"])
    seed_templates()
    seed_availability()


# Bookable times of a few demo staff (weekly, Swedish time); a holiday on Christmas Eve and Day for every unit.
AVAILABILITY: list[dict[str, Any]] = [
    {"hsa_id": "SE2321000057-S003", "unit_id": HUSKVARNA, "profession": "doctor", "form": "physical",
     "weekdays": ["mon", "tue", "wed", "thu", "fri"], "start": "08:00", "end": "12:00", "length": 30,
     "location": "Vårdcentralen Huskvarna, Jönköpingsvägen 10, mottagning 3"},
    {"hsa_id": "SE2321000057-S003", "unit_id": HUSKVARNA, "profession": "doctor", "form": "video",
     "weekdays": ["mon", "wed", "fri"], "start": "13:00", "end": "15:00", "length": 20, "location": "Videomöte i Nära"},
    {"hsa_id": "SE2321000057-S001", "unit_id": HUSKVARNA, "profession": "nurse", "form": "physical",
     "weekdays": ["mon", "tue", "wed", "thu", "fri"], "start": "08:30", "end": "11:30", "length": 20,
     "location": "Vårdcentralen Huskvarna, Jönköpingsvägen 10, sköterskemottagningen"},
    {"hsa_id": "SE2321000057-S005", "unit_id": TENHULT, "profession": "physiotherapist", "form": "physical",
     "weekdays": ["tue", "thu"], "start": "09:00", "end": "16:00", "length": 45,
     "location": "Vårdcentralen Tenhult, Tenhultsvägen 2, rehab"},
    {"hsa_id": "SE2321000057-S009", "unit_id": DIGITAL, "profession": "doctor", "form": "video",
     "weekdays": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "start": "09:00", "end": "12:00", "length": 20,
     "location": "Videomöte i Nära"},
]  # fmt: skip


def seed_availability() -> None:
    """The demo staff's availability and holidays, then the bookable slots of the coming weeks (as the hourly
    scheduled event keeps them); fixed ids, so seeding again writes nothing twice."""
    from datetime import date, time

    from chalicelib import bootstrap
    from chalicelib.domain.booking import Availability, ScheduleException

    names = {p["hsa_id"]: p["name"] for p in STAFF}
    booking = bootstrap.container().booking
    store = booking._bookings
    for entry in AVAILABILITY:
        store.put_availability(
            TENANT,
            Availability(
                availability_id=f"demo-{entry['hsa_id']}-{entry['form']}",
                unit_id=entry["unit_id"],
                staff_hsa_id=entry["hsa_id"],
                staff_name=names[entry["hsa_id"]],
                profession=entry["profession"],
                form=entry["form"],
                length_minutes=entry["length"],
                location=entry["location"],
                weekdays=tuple(entry["weekdays"]),
                start=time.fromisoformat(entry["start"]),
                end=time.fromisoformat(entry["end"]),
                valid_from=date(2026, 1, 1),
            ),
        )
    for unit in UNITS:
        for year in (2026, 2027):
            christmas = ScheduleException(first_day=date(year, 12, 24), last_day=date(year, 12, 26), reason="Jul")
            store.put_exception(TENANT, unit["unit_id"], f"jul-{year}", christmas)
    booking.materialise(TENANT, weeks=2)  # quick to start; the hourly event keeps four weeks ready


# Phrase templates (frasmallar) every demo unit starts with; staff add their own and the unit's in the dashboard.
UNIT_TEMPLATES: list[dict[str, Any]] = [
    {
        "slug": "halsning",
        "title": "Hälsning",
        "text": "Hej {förnamn}! Jag heter {mitt_namn} och är {yrkesroll} på {enhet}. "
        "Jag har läst det du har skrivit och har några frågor till dig.",
        "tags": ["hälsning", "början"],
    },
    {
        "slug": "ring-oss",
        "title": "Ring oss",
        "text": "Det här går lättare att reda ut på telefon. Du når oss på {telefon} {telefontid}. "
        "Säg att du har chattat med oss, så hittar vi ditt ärende.",
        "tags": ["telefon", "telefontid"],
    },
    {
        "slug": "egenvard-forkylning",
        "title": "Egenvård förkylning",
        "text": "Det du beskriver låter som en vanlig förkylning. Den brukar gå över av sig själv på en till två "
        "veckor. Vila, drick mycket och ta gärna febernedsättande om du behöver. Hör av dig igen om du får svårt "
        "att andas, har över 39 graders feber i mer än tre dagar, eller blir sämre igen efter att först ha blivit "
        "bättre.",
        "tags": ["egenvård", "förkylning", "feber", "hosta"],
    },
    {
        "slug": "vanta",
        "title": "Jag återkommer",
        "text": "Tack för ditt tålamod, {förnamn}. Jag stämmer av med en kollega och skriver till dig här i "
        "chatten så snart jag kan.",
        "tags": ["vänta", "kollega"],
    },
    {
        "slug": "avslut",
        "title": "Avslut",
        "text": "Tack för att du hörde av dig, {förnamn}. Jag avslutar nu ärendet. Blir du sämre eller får nya "
        "besvär är du välkommen att kontakta oss igen. Kan det inte vänta, ring 1177. Vid livshotande tillstånd, "
        "ring 112.",
        "tags": ["avslut", "1177", "112"],
    },
    {
        "slug": "greeting-en",
        "title": "Greeting (English)",
        "language": "en",
        "text": "Hello {förnamn}! My name is {mitt_namn} and I am a {yrkesroll} at {enhet}. "
        "I have read what you wrote and have a few questions for you.",
        "tags": ["greeting", "english", "engelska"],
    },
]


def seed_templates() -> None:
    """The demo units' phrase templates; fixed ids, so seeding again writes nothing twice."""
    from datetime import UTC, datetime

    from chalicelib.adapters.templates import DynamoTemplates
    from chalicelib.domain.model import Principal, PrincipalKind
    from chalicelib.domain.templates import UNIT, PhraseTemplate

    store = DynamoTemplates()
    seeder = Principal(TENANT, PrincipalKind.STAFF, "SE2321000057-DEMO", "Nära demodata", "local-demo", "loa3")
    now = datetime.now(UTC)
    for unit in UNITS:
        for template in UNIT_TEMPLATES:
            store.create(
                PhraseTemplate.new(
                    template_id=f"demo-{unit['unit_id']}-{template['slug']}",
                    tenant=TENANT,
                    scope=UNIT,
                    owner=unit["unit_id"],
                    title=template["title"],
                    text=template["text"],
                    language=template.get("language", "sv"),
                    tags=template["tags"],
                    by=seeder,
                    now=now,
                )
            )


# The simulated population register: children per guardian (made-up test numbers). Elsa is 21 and so is not
# a child any more: the register still lists her, Nära must not let her parent act for her.
CUSTODY: dict[str, list[dict[str, str]]] = {
    "191212121212": [
        {"personal_number": "201803142387", "name": "Lilly Tolvansson"},
        {"personal_number": "200502204571", "name": "Elsa Tolvansson"},
    ],
    "199001012385": [{"personal_number": "202206012391", "name": "Noah Andersson"}],
}
