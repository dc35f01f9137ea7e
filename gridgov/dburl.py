"""Database URLs, with libpq's several hosts: ``postgis://user@host1:port1,host2:port2/name``.

dj-database-url refuses a comma in the host part. libpq takes ``host=a,b port=p,q`` and tries them
in order (with ``target_session_attrs=read-write`` it skips a standby and a dead host), and Django
hands HOST and PORT to psycopg as they are: so the hosts are split off, the rest is parsed as one
URL, and HOST and PORT become libpq's comma lists.
"""
from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

import dj_database_url


def parse(url: str, **kwargs) -> dict:
    """Django's DATABASES entry for ``url`` (kwargs as for ``dj_database_url.parse``)."""
    parts = urlsplit(url)
    credentials, _, hosts = parts.netloc.rpartition("@")
    if "," not in hosts:
        return dj_database_url.parse(url, **kwargs)
    pairs = [host.rpartition(":") if ":" in host else (host, "", "") for host in hosts.split(",")]
    names = [name for name, _sep, _port in pairs]
    ports = [port for _name, _sep, port in pairs]
    if not all(names):
        raise ValueError(f"Every host of a multi-host database URL needs a name: {hosts!r}")
    first = (credentials + "@" if credentials else "") + names[0]
    config = dj_database_url.parse(urlunsplit(parts._replace(netloc=first)), **kwargs)
    config["HOST"] = ",".join(names)
    # libpq: one port for all hosts, or one per host.
    config["PORT"] = ",".join(port or "5432" for port in ports) if any(ports) else ""
    return config
