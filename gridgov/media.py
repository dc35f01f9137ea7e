"""Sending stored files (case photos) after a view has decided that the caller may have them.

Nothing under MEDIA_ROOT is served by URL: there is no /media/ route, in development either, and
the web server must not expose the folder. A view checks the caller's scope first and then calls
``file_response``, which either

- streams the file from Django (the default; fine for development and small installations), or
- hands it to the web server in front: ``GRIDGOV_MEDIA_SENDFILE=x-accel-redirect`` (nginx: an
  ``internal`` location at ``GRIDGOV_MEDIA_INTERNAL_URL`` aliased to MEDIA_ROOT) or
  ``GRIDGOV_MEDIA_SENDFILE=x-sendfile`` (Apache mod_xsendfile, lighttpd), so that a sync worker is
  not held for the length of a download. The file's path goes in a header the web server
  consumes; the client never sees it.
"""
from __future__ import annotations

from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpResponse

SENDFILE_MODES = ("", "x-accel-redirect", "x-sendfile")

CONTENT_TYPES = {"jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png", "webp": "image/webp"}


def content_type_for(name: str) -> str:
    return CONTENT_TYPES.get(name.rsplit(".", 1)[-1].lower(), "application/octet-stream")


def sendfile_mode() -> str:
    mode = (getattr(settings, "GRIDGOV_MEDIA_SENDFILE", "") or "").strip().lower()
    if mode not in SENDFILE_MODES:
        raise ImproperlyConfigured(f"GRIDGOV_MEDIA_SENDFILE must be one of {', '.join(m or '(empty)' for m in SENDFILE_MODES)}")
    return mode


def file_response(file: FieldFile | str, *, cache_control: str = "private, max-age=86400") -> HttpResponse:
    """The stored file ``file`` (a FieldFile or a storage name) as a response; 404 if it is gone.

    ``cache_control`` is private by default: a shared cache in between must never keep a photo
    that only some users may see."""
    from django.core.files.storage import default_storage

    name = file.name if isinstance(file, FieldFile) else file
    storage = file.storage if isinstance(file, FieldFile) else default_storage
    if not name or ".." in name.split("/") or name.startswith("/") or not storage.exists(name):
        raise Http404("No such file.")
    mode = sendfile_mode()
    content_type = content_type_for(name)
    if mode == "x-accel-redirect":
        prefix = settings.GRIDGOV_MEDIA_INTERNAL_URL.rstrip("/") + "/"
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = prefix + quote(name)
    elif mode == "x-sendfile":
        response = HttpResponse(content_type=content_type)
        response["X-Sendfile"] = storage.path(name)
    else:
        response = FileResponse(storage.open(name, "rb"), content_type=content_type)
    response["Cache-Control"] = cache_control
    response["Content-Disposition"] = "inline"
    response["X-Content-Type-Options"] = "nosniff"
    return response
