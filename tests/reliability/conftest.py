"""Fixtures of the reliability tests: a private cache prefix (tests share Redis with the
development server and other checkouts), and the data of the permission matrix."""
from __future__ import annotations

import uuid

import pytest


@pytest.fixture(autouse=True)
def _private_cache(settings):
    # Cached tiles and throttling counters are keyed by revision numbers and ids that the test
    # database reuses; a private prefix keeps them apart from the development data's.
    caches = {name: dict(value) for name, value in settings.CACHES.items()}
    caches["default"]["KEY_PREFIX"] = f"test-reliability-{uuid.uuid4().hex[:8]}"
    settings.CACHES = caches
