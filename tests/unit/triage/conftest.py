from __future__ import annotations

import pytest

from chalicelib.triage import Library, load_library


@pytest.fixture(scope="session")
def library() -> Library:
    return load_library()  # the reviewed sources, clinical test cases included
