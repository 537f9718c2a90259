"""The cursor of a paged list: the sort key of the last item shown, in URL-safe base64 without padding. A cursor is
taken back only when it decodes to a key of the shape the list gives, so a made-up one is a 422, never a read."""

from __future__ import annotations

import base64
import binascii
import re

from chalicelib.domain.errors import ValidationFailed


def encode_cursor(after: str) -> str:
    return base64.urlsafe_b64encode(after.encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None, key: re.Pattern[str], *, of: str, max_length: int | None = None) -> str | None:
    """The sort key ``cursor`` names (None: the first page). A cursor longer than ``max_length`` or not naming a
    whole ``key`` is a ValidationFailed on ``cursor``, saying it is not one ``of`` (e.g. "this queue") gave."""
    if not cursor:
        return None
    try:
        after = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        after = ""
    if (max_length is not None and len(cursor) > max_length) or not key.fullmatch(after):
        raise ValidationFailed(f"The cursor is not one {of} gave.", field="cursor", message_sv="Ogiltig sidmarkör.")
    return after
