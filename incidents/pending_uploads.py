"""The folder of uploaded photos waiting for the photo worker (GRIDGOV_PENDING_PHOTO_ROOT).

An uploaded photo is kept as it came (EXIF and GPS included) from the filing until the worker has
stored its clean copy (incidents/actions/photo_queue.py). It used to be a ``bytea`` in the
database: a 485 KB photo cost PostgreSQL ~4.6 ms of CPU to write (≈ 240 TOAST chunks, each with
its index entry and WAL record) and again to read and delete — half the database's CPU of a
filing. A file costs ~0.3 ms of CPU (write and fsync).

The folder is not under MEDIA_ROOT and nothing maps a URL to it; web and worker hosts share it
as they share MEDIA_ROOT. Files are created 0600, named ``<photo id>-<random>.upload`` (never from
anything the client sent), written and fsynced before the filing's transaction commits, so a
photo whose case is committed is on disk. What a rolled-back filing left, and what a worker that
died between its commit and the unlink left, is removed by ``remove_orphans`` (the sweep).
"""
from __future__ import annotations

import os
import re
import secrets
import time
from pathlib import Path
from typing import Callable, Iterable

from django.conf import settings

NAME = re.compile(r"^(\d{1,19})-[0-9a-f]{16}\.upload$")


def root() -> Path:
    return Path(settings.GRIDGOV_PENDING_PHOTO_ROOT)


def _path(name: str) -> Path:
    if not NAME.match(name or ""):
        raise ValueError(f"not a pending upload's name: {name!r}")
    return root() / name


def write(photo_id: int, data: bytes) -> str:
    """Keep ``data`` on disk for photo ``photo_id``; answers the file's name. Durable on return."""
    folder = root()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    name = f"{int(photo_id)}-{secrets.token_hex(8)}.upload"
    descriptor = os.open(folder / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(descriptor, view):]
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    return name


def read(name: str) -> bytes | None:
    """The kept bytes, or None when the file is gone."""
    try:
        return _path(name).read_bytes()
    except FileNotFoundError:
        return None


def discard(name: str) -> None:
    try:
        _path(name).unlink()
    except FileNotFoundError:
        pass


def remove_orphans(is_kept: Callable[[Iterable[str]], set[str]], older_than_s: float, limit: int = 5000) -> int:
    """Delete files older than ``older_than_s`` whose name no pending photo holds; ``is_kept(names)``
    answers which of ``names`` are still held. Young files are left: their filing may not have
    committed yet. Answers how many were deleted."""
    folder = root()
    if not folder.is_dir():
        return 0
    cutoff = time.time() - older_than_s
    old = []
    with os.scandir(folder) as entries:
        for entry in entries:
            if NAME.match(entry.name) and entry.stat().st_mtime < cutoff:
                old.append(entry.name)
                if len(old) >= limit:
                    break
    kept = is_kept(old) if old else set()
    for name in old:
        if name not in kept:
            discard(name)
    return len(old) - len(kept & set(old))
