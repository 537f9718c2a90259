"""The triage engine's exception tree (one place, so the API can map each to one HTTP status).

TriageError
├── ProtocolLoadError   a protocol/advice file is broken; lists every (file, field, message)
├── UnknownProtocol     a state refers to a protocol id@version the library does not have
├── InvalidAnswer       an answer the current step cannot accept (message in sv + en)
│   └── WrongStep       an answer for a step other than the expected one (or after the end)
├── NothingToUndo       back() on a state with no answers of its own
└── NotSelfCare         choose_contact() on an outcome that is not self-care
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from chalicelib.triage.text import LocalizedText


class TriageError(Exception):
    """Base class of every error the triage package raises on purpose."""


@dataclass(frozen=True)
class LoadIssue:
    """One problem in one file: ``file`` is the path, ``loc`` the dotted field path (pydantic's loc)."""

    file: str
    loc: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.loc or '<file>'}: {self.message}"


class ProtocolLoadError(TriageError):
    """Raised by the loader with every issue found in every file (not only the first)."""

    def __init__(self, issues: Sequence[LoadIssue]) -> None:
        self.issues = tuple(issues)
        super().__init__("\n".join(str(issue) for issue in self.issues))


class UnknownProtocol(TriageError):
    def __init__(self, protocol_id: str, version: str | None = None) -> None:
        self.protocol_id = protocol_id
        self.version = version
        ref = protocol_id if version is None else f"{protocol_id}@{version}"
        super().__init__(f"unknown protocol {ref} (superseded versions belong in protocols/archive/)")


class InvalidAnswer(TriageError):
    """The answer cannot be accepted; ``message`` is shown to the citizen in their language."""

    def __init__(self, step_id: str | None, message: LocalizedText) -> None:
        self.step_id = step_id
        self.message = message
        super().__init__(message.en)


class WrongStep(InvalidAnswer):
    def __init__(self, expected: str | None, got: str) -> None:
        self.expected = expected
        if expected is None:
            message = LocalizedText(
                sv="Bedömningen är redan klar; gå tillbaka för att ändra ett svar.",
                en="The assessment is already finished; go back to change an answer.",
            )
        else:
            message = LocalizedText(
                sv=f"Svaret gäller fel fråga ({got}); nu väntar frågan {expected}.",
                en=f"The answer is for the wrong question ({got}); the current question is {expected}.",
            )
        super().__init__(got, message)


class NothingToUndo(TriageError):
    def __init__(self) -> None:
        super().__init__("there is no answer to go back from")


class NotSelfCare(TriageError):
    def __init__(self) -> None:
        super().__init__("choose_contact() only applies to a self_care outcome")
