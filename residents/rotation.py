"""What else a key rotation re-encrypts: other apps' columns sealed under the residents' keys.

``residents.privacy``'s keys seal more than residents' own rows: the needs app keeps volunteers'
and hotline callers' numbers under them too. Residents stands below those apps and cannot import
them, so each registers its columns here from its ``AppConfig.ready`` (as the map's cell
occupants register in ``grids.registry``), and ``residents.actions.rotate_keys`` and
``manage.py rotate_resident_keys`` go through every registered part after the people: a number
left under a key later removed from the ring could no longer be read or found.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class SealedPart:
    key: str
    label: str  # for the command's report ("volunteers' phones")
    stale: Callable[[], int]  # how many values are not under the current key yet
    rotate: Callable[..., int]  # rotate(batch_size=…) → how many it re-encrypted; safe to stop and run again


_PARTS: dict[str, SealedPart] = {}


def register_sealed_part(*, key: str, label: str, stale: Callable[[], int], rotate: Callable[..., int]) -> None:
    """Register (or, ``ready`` running twice, replace) one app's sealed columns."""
    _PARTS[key] = SealedPart(key=key, label=label, stale=stale, rotate=rotate)


def sealed_parts() -> list[SealedPart]:
    return [_PARTS[key] for key in sorted(_PARTS)]
