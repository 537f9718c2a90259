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
        "opening_hours": {"chat": _ALWAYS, "video": _ALWAYS},
        "professions": ["nurse", "doctor"],
    },
    {
        "unit_id": "SE2321000057-VC01",
        "name": "Vårdcentralen Huskvarna",
        "address": "Jönköpingsvägen 10, 561 31 Huskvarna",
        "phone": "036-10 10 01",
        "opening_hours": {"physical": _WEEKDAYS, "chat": _CHAT, "video": _CHAT},
        "professions": ["nurse", "doctor", "midwife", "medical_secretary"],
    },
    {
        "unit_id": "SE2321000057-VC02",
        "name": "Vårdcentralen Nässjö",
        "address": "Storgatan 5, 571 31 Nässjö",
        "phone": "0380-10 10 02",
        "opening_hours": {"physical": _WEEKDAYS, "chat": _CHAT, "video": _CHAT},
        "professions": ["nurse", "doctor", "psychologist"],
    },
    {
        "unit_id": "SE2321000057-VC03",
        "name": "Vårdcentralen Tenhult",
        "address": "Tenhultsvägen 2, 560 27 Tenhult",
        "phone": "036-10 10 03",
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
        "title": "Medicinsk sekreterare",
        "roles": [{"unit_id": HUSKVARNA, "role": "medical_secretary"}],
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


# The simulated population register: children per guardian (made-up test numbers). Elsa is 21 and so is not
# a child any more: the register still lists her, Nära must not let her parent act for her.
CUSTODY: dict[str, list[dict[str, str]]] = {
    "191212121212": [
        {"personal_number": "201803142387", "name": "Lilly Tolvansson"},
        {"personal_number": "200502204571", "name": "Elsa Tolvansson"},
    ],
    "199001012385": [{"personal_number": "202206012391", "name": "Noah Andersson"}],
}
