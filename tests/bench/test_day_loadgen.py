"""The day's load generator (bench/day/loadgen.py) against a stub HTTP server: what it counts as an
answer, an error and a latency — the figures the ramp decides on."""
import asyncio

from bench.day import loadgen
from bench.day.mix import KIND_NAMES


def plan(tmp_path, port, rates, **extra):
    photo = tmp_path / "phone.jpg"
    photo.write_bytes(b"\xff\xd8photo\xff\xd9")
    worker = {"token": "k", "patrol": 7, "lng": 116.4, "lat": 39.9, "case": 11}
    return {
        "port": port, "seconds": 1.5, "seed": 3, "rates": rates, "photo_path": str(photo), "workers": [worker],
        "worker_cookies": ["sessionid=w"], "dispatchers": [{"token": "d"}], "dispatcher_cookies": ["sessionid=d"],
        "handlers": [{"token": "h"}], "leader_token": "l", "system_token": "s", "category": "0101",
        "district_cases": [11, 12], "tiles": ["/api/v1/tiles/grid/14/1/2.mvt"], "lookups": [[116.4, 39.9]],
        "dashboard": ["/api/v1/indicators/?area=110101&from=2025-12-01&to=2026-12-01"], **extra,
    }


async def stub(reader, writer, *, delay=0.0):
    head = await reader.readuntil(b"\r\n\r\n")
    length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")), 0)
    await reader.readexactly(length)
    path = head.split(b" ")[1]
    await asyncio.sleep(delay)
    status = b"500 Internal Server Error" if b"/points/" in path else b"200 OK"
    writer.write(b"HTTP/1.1 " + status + b"\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
    await writer.drain()
    writer.close()


def run(tmp_path, rates, *, delay=0.0, **extra):
    async def main():
        server = await asyncio.start_server(lambda r, w: stub(r, w, delay=delay), "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        async with server:
            return await loadgen.run_step(plan(tmp_path, port, rates, **extra))

    # In a thread of its own: Playwright's sync API keeps an event loop running in the test thread
    # once a browser test ran on this worker, and asyncio.run refuses to start inside it.
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, main()).result()


def test_every_kind_of_the_mix_makes_a_request(tmp_path):
    import random

    requests = loadgen.Requests(plan(tmp_path, 1, {}), random.Random(1))
    for kind in KIND_NAMES:
        method, path, headers, body = requests.build(kind)
        assert method in ("GET", "POST") and path.startswith("/")
        assert "Authorization" in headers or "Cookie" in headers


def test_answers_are_counted_and_a_5xx_is_an_error_named_by_its_status(tmp_path):
    result = run(tmp_path, {"lookup": 20.0, "points": 10.0})
    lookup, points = result["kinds"]["lookup"], result["kinds"]["points"]
    assert lookup["n"] > 10 and lookup["errors"] == 0 and lookup["p95_ms"] is not None
    assert points["n"] == 0 and points["errors"] > 3 and points["error_kinds"] == {"HTTP 500": points["errors"]}
    assert result["unanswered"] == 0


def test_a_latency_runs_from_when_the_request_was_due_so_waiting_for_a_connection_counts(tmp_path):
    # one connection, 0.1 s per answer, 20 requests a second due: they queue, and their latency says so
    result = run(tmp_path, {"lookup": 20.0}, delay=0.1, connections=1)
    lookup = result["kinds"]["lookup"]
    assert lookup["p50_ms"] > 150, lookup
    assert lookup["sent_per_s"] < lookup["offered_per_s"]
