"""Personal identity numbers are never stored as keys in clear: a keyed hash (HMAC-SHA256) stands for them."""

from __future__ import annotations

import hashlib
import hmac


def patient_ref(personnummer: str, key: bytes) -> str:
    """The stable pseudonym of a citizen within one region (tenant key)."""
    digits = "".join(ch for ch in personnummer if ch.isdigit())
    if len(digits) != 12:
        raise ValueError("personnummer must have 12 digits (YYYYMMDDNNNC)")
    return hmac.new(key, digits.encode("ascii"), hashlib.sha256).hexdigest()[:40]
