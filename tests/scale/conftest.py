"""Fixtures of the scale tests: clusters of their own on loopback, and the app served against them.

A golden database (migrated, the test world built) is made once per session in a cluster of its
own, stopped, and copied for every pair of primary and standby a test asks for, so each test
starts from the same rows in a few seconds. Every cluster and server is killed and its folder
removed when its test ends, failed or not.
"""
from __future__ import annotations

import shutil

import pytest

from .clusters import Cluster, make_root
from .pairs import Pair, make_golden, make_pair
from .servers import AppServer


@pytest.fixture(scope="session")
def golden():
    root = make_root()
    made: list[Cluster] = []
    try:
        cluster, facts = make_golden(root)
        made.append(cluster)
        yield cluster, facts
    finally:
        for cluster in made:
            cluster.destroy()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def pair_factory(golden):
    """pair_factory(synchronous=False) → a primary copied from the golden database and its
    streaming hot standby, both destroyed at the end of the test."""
    made: list[tuple] = []

    def make(*, synchronous: bool = False) -> Pair:
        root = make_root()
        clusters: list[Cluster] = []
        made.append((root, clusters))
        return make_pair(*golden, root, clusters, synchronous=synchronous)

    yield make
    for root, clusters in made:
        for cluster in reversed(clusters):
            cluster.destroy()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def app_server():
    """app_server(env) → the app under gunicorn with that environment; stopped at the end."""
    started: list[AppServer] = []

    def start(env: dict[str, str], **kwargs) -> AppServer:
        server = AppServer(env, **kwargs)
        started.append(server)
        return server.wait_ready()

    yield start
    for server in started:
        server.stop()
