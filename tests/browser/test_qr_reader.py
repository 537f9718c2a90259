"""The test-only QR reader reads what segno (the server's QR library) draws, so the browser test can "scan"."""

from __future__ import annotations

import pytest
import segno

from tests.browser.qr import QrUnreadable, read_svg

BANKID_LIKE = "bankid.67df3917-fa0d-44e5-b327-edcc928297f8.7." + "3f" * 32


@pytest.mark.parametrize(
    ("data", "version", "error"),
    [
        (BANKID_LIKE, None, "l"),  # exactly what the server makes
        (BANKID_LIKE, 7, "l"),  # version information present
        (BANKID_LIKE, 10, "h"),  # several blocks of different lengths, 16-bit byte count
        ("bankid.x.0.ab", 1, "m"),
        ("HTTPS://NARA.EXAMPLE/ABC 123", 3, "q"),  # alphanumeric
        ("191212121212", 2, "h"),  # numeric
        ("Grüße från Jönköping", 5, "q"),  # UTF-8 bytes
        ("z" * 300, 14, "l"),
    ],
)
def test_reads_what_segno_draws(data: str, version: int | None, error: str) -> None:
    code = segno.make(data, version=version, error=error, micro=False, boost_error=False)
    assert read_svg(code.svg_inline(scale=5, border=2, title="BankID QR")) == data


@pytest.mark.parametrize("mask", range(8))
def test_every_mask(mask: int) -> None:
    code = segno.make(BANKID_LIKE, error="l", mask=mask, micro=False)
    assert read_svg(code.svg_inline(scale=5, border=2)) == BANKID_LIKE


def test_a_drawing_without_a_code_is_unreadable() -> None:
    with pytest.raises(QrUnreadable):
        read_svg('<svg width="10" height="10"><rect width="10" height="10"/></svg>')
