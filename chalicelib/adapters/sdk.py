"""botocore reads its JSON models (endpoints, partitions, each service's API) once per *loader*, and every new
session makes a new loader. The app makes several sessions (pynamodb makes one per thread), so without this each
of them parsed the same megabytes again: on a Lambda cold start, and in every thread of the local stack.

``share_model_loader()`` makes every session of the process use one loader. The models are read-only data, so one
loader serves all sessions and threads; what each session configures (credentials, region, endpoint) stays its own.
"""

from __future__ import annotations

import threading
from typing import Any

import botocore.loaders
import botocore.session

_lock = threading.Lock()
_loaders: dict[Any, botocore.loaders.Loader] = {}
_original_create_loader = botocore.loaders.create_loader


def _shared_loader(search_path_string: Any = None) -> botocore.loaders.Loader:
    key = search_path_string
    with _lock:
        loader = _loaders.get(key)
        if loader is None:
            loader = _loaders[key] = _original_create_loader(search_path_string)
        return loader


def share_model_loader() -> None:
    """Idempotent; call before the first session is made."""
    botocore.session.create_loader = _shared_loader
