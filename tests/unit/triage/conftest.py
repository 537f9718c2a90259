from __future__ import annotations

import pytest

from chalicelib.triage import Library, default_library


@pytest.fixture(scope="session")
def library() -> Library:
    return default_library()
