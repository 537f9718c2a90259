"""The demo regions of the local stack: each region's configuration file (``infrastructure/regions/<tenant>.yaml``:
settings, units, staff) plus what only a demo has — the citizens who can log in, their children in the simulated
population register, where they are listed in the simulated listing register, bookable times and phrase templates.

All names, HSA-ids and personnummer here are made up (the personnummer are Skatteverket-style test numbers).
"""

from __future__ import annotations

from typing import Any

from infrastructure.onboard.directory import load_directory, staff_of
from infrastructure.tenant_config import TenantConfig, of_tenant

TENANT = "jonkoping"  # the region `make run` opens first; `--regions` names others (infrastructure/regions/*.yaml)
CONFIG: TenantConfig = of_tenant(TENANT)
REGION_NAME = CONFIG.name
ACCESSIBILITY_CONTACT = CONFIG.accessibility_contact
DIGITAL, HUSKVARNA, NASSJO, TENHULT = (u.unit_id for u in CONFIG.units)


STAFF: list[dict[str, Any]] = staff_of(CONFIG)

CITIZENS: list[dict[str, str]] = [
    {"personnummer": "191212121212", "name": "Tolvan Tolvansson"},
    {"personnummer": "199001012385", "name": "Greta Andersson"},
    {"personnummer": "198505059876", "name": "Ali Hassan"},
]


def seed(directory: Any, config: TenantConfig = CONFIG, *, local_origin: str = "") -> None:
    """Write a region's settings, units and staff from its configuration file, then the demo's phrase templates and
    bookable times; safe to run again (conditional creates, fixed ids). A region that sends its SMS through its own
    HTTP gateway gets the local stack's simulated gateway (``<local_origin>/local/sms-gateway``, shown in the
    outbox) in its place."""
    settings = config.region_settings()
    if local_origin and isinstance(settings.get("sms_provider"), dict):
        settings["sms_provider"] = {"http": {"url": f"{local_origin}/local/sms-gateway"}}
    load_directory(config, directory, settings=settings)
    seed_templates(config)
    seed_availability(config)


# Bookable times of a few demo staff per region (weekly, Swedish time); a holiday on Christmas Eve and Day for every
# unit.
AVAILABILITY: dict[str, list[dict[str, Any]]] = {"jonkoping": [
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
], "kalmar": [
    {"hsa_id": "SE2321000081-S002", "unit_id": "SE2321000081-VC01", "profession": "doctor", "form": "video",
     "weekdays": ["mon", "tue", "wed", "thu", "fri"], "start": "09:00", "end": "12:00", "length": 20,
     "location": "Videomöte i Nära"},
]}  # fmt: skip


def seed_availability(config: TenantConfig) -> None:
    """The demo staff's availability and holidays, then the bookable slots of the coming weeks (as the hourly
    scheduled event keeps them); fixed ids, so seeding again writes nothing twice."""
    from datetime import date, time

    from chalicelib import bootstrap
    from chalicelib.domain.booking import Availability, ScheduleException

    tenant = config.tenant
    names = {p.hsa_id: p.name for p in config.staff}
    booking = bootstrap.container().booking
    store = booking._bookings
    for entry in AVAILABILITY.get(tenant, []):
        store.put_availability(
            tenant,
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
    for unit in config.units:
        for year in (2026, 2027):
            christmas = ScheduleException(first_day=date(year, 12, 24), last_day=date(year, 12, 26), reason="Jul")
            store.put_exception(tenant, unit.unit_id, f"jul-{year}", christmas)
    booking.materialise(tenant, weeks=2)  # quick to start; the hourly event keeps four weeks ready


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


def seed_templates(config: TenantConfig) -> None:
    """The demo units' phrase templates; fixed ids, so seeding again writes nothing twice."""
    from datetime import UTC, datetime

    from chalicelib.adapters.templates import DynamoTemplates
    from chalicelib.domain.model import Principal, PrincipalKind
    from chalicelib.domain.templates import UNIT, PhraseTemplate

    store = DynamoTemplates()
    seeder = Principal(config.tenant, PrincipalKind.STAFF, "nara-demo", "Nära demodata", "local-demo", "loa3")
    now = datetime.now(UTC)
    for unit in config.units:
        for template in UNIT_TEMPLATES:
            store.create(
                PhraseTemplate.new(
                    template_id=f"demo-{unit.unit_id}-{template['slug']}",
                    tenant=config.tenant,
                    scope=UNIT,
                    owner=unit.unit_id,
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

# The simulated listing register (listning), per region: the vårdcentral each demo person is listed at. Ali Hassan
# is listed in neither region (he has just moved here), so routing has to do without a listing for him; a region
# without an entry here (a new region's file run locally) lists nobody.
LISTINGS: dict[str, dict[str, dict[str, str]]] = {
    "jonkoping": {
        "191212121212": {"unit_id": HUSKVARNA, "listed_since": "2015-03-01"},  # Tolvan Tolvansson
        "201803142387": {"unit_id": HUSKVARNA, "listed_since": "2018-03-20"},  # Lilly Tolvansson
        "200502204571": {"unit_id": HUSKVARNA, "listed_since": "2005-03-01"},  # Elsa Tolvansson
        "199001012385": {"unit_id": NASSJO, "listed_since": "2019-09-01"},  # Greta Andersson
        "202206012391": {"unit_id": TENHULT, "listed_since": "2023-01-15"},  # Noah Andersson
    },
    "kalmar": {
        "191212121212": {"unit_id": "SE2321000081-VC01", "listed_since": "2016-05-01"},  # Tolvan: Kalmar centrum
        "201803142387": {"unit_id": "SE2321000081-VC01", "listed_since": "2018-03-20"},  # Lilly: Kalmar centrum
        "200502204571": {"unit_id": "SE2321000081-VC01", "listed_since": "2005-03-01"},  # Elsa: Kalmar centrum
        "199001012385": {"unit_id": "SE2321000081-VC02", "listed_since": "2020-02-01"},  # Greta: Oskarshamn
        "202206012391": {"unit_id": "SE2321000081-VC02", "listed_since": "2022-06-15"},  # Noah: Oskarshamn
    },
}
