"""Bilingual text, the strict pydantic base model, and the text normalisation used by search and scanning."""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, StringConstraints

Lang = Literal["sv", "en"]
LANGS: tuple[Lang, ...] = ("sv", "en")

NonEmptyStr = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class StrictModel(BaseModel):
    """Immutable, and unknown fields are errors: a typo in a protocol file must fail loading."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class LocalizedText(StrictModel):
    """The same text in Swedish and English; both are required."""

    sv: NonEmptyStr
    en: NonEmptyStr

    def get(self, lang: Lang) -> str:
        return self.sv if lang == "sv" else self.en

    def joined(self, other: LocalizedText, sep: str = " ") -> LocalizedText:
        return LocalizedText(sv=f"{self.sv}{sep}{other.sv}", en=f"{self.en}{sep}{other.en}")


_APOSTROPHES = re.compile(r"['’`´]")
_NON_WORD = re.compile(r"[^a-z0-9]+")


def normalise(text: str) -> str:
    """Lower-case, strip diacritics (bröstsmärta → brostsmarta), drop apostrophes (can't → cant), single spaces."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    stripped = _APOSTROPHES.sub("", stripped)
    return _NON_WORD.sub(" ", stripped).strip()


def tokens(text: str) -> list[str]:
    return normalise(text).split()


def edit_distance(a: str, b: str, limit: int = 3) -> int:
    """Optimal-string-alignment distance (insert, delete, substitute, swap neighbours), capped at ``limit + 1``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return min(prev[len(b)], limit + 1)


def fuzzy_limit(word: str) -> int:
    """How many typos a word of this length may carry: none under 5 letters, 1 for 5–7, 2 from 8."""
    if len(word) < 5:
        return 0
    return 1 if len(word) < 8 else 2
