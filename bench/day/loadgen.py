"""The day's load generator: a separate process (no Django), open-loop, one step at a time.

    python -m bench.day.loadgen plan.json result.json

Each request kind arrives as a Poisson process at its rate (bench/day/mix.py) whatever the
server answers — people on patrol do not wait for the server before their next batch is due — and
each arrival is one HTTP request from a person of that kind chosen at random. A latency runs from
the moment the request was due to its last byte, so a request that waited for a free connection
counts its wait (no coordinated omission). gunicorn's sync workers close every connection, so
each request opens its own (``Connection: close``), as a phone's request on a mobile network does.

Why not locust: its users are closed loops (a user waits for the answer before its next task),
which hides a slow server behind fewer requests; the day's phones are an open load. And the
generator shares the two cores with the server: asyncio on raw sockets costs a fraction of a
millisecond of CPU per request, measured and reported with the rest (its CPU is a group in the
report).
"""
from __future__ import annotations

import asyncio
import json
import random
import sys
import time
import uuid
from datetime import datetime, timedelta, timezone

# Acts on a case answer 409 when somebody else acted first: the console reloads it; not a failure.
CONFLICT_OK = {"case_act", "onsite_check"}
TIMEOUT_S = 30.0
GRACE_S = 15.0


class Requests:
    """Builds each kind's request from the plan's people and material."""

    def __init__(self, plan: dict, rng: random.Random):
        self.p, self.rng = plan, rng
        with open(plan["photo_path"], "rb") as handle:
            self.photo = handle.read()

    def _auth(self, key: str) -> dict:
        return {"Authorization": f"Token {key}"}

    def build(self, kind: str) -> tuple[str, str, dict, bytes]:
        p, rng = self.p, self.rng
        worker = rng.choice(p["workers"])
        if kind == "points":
            now = datetime.now(timezone.utc)
            points = [{"id": str(uuid.uuid4()), "at": (now - timedelta(seconds=10 * (2 - i))).isoformat(),
                       "lat": worker["lat"] + rng.uniform(-3e-4, 3e-4), "lng": worker["lng"] + rng.uniform(-3e-4, 3e-4),
                       "accuracy": 8} for i in range(3)]
            return "POST", f"/api/v1/patrols/{worker['patrol']}/points/", {**self._auth(worker["token"]), "Content-Type": "application/json"}, \
                json.dumps({"points": points}).encode()
        if kind == "report":
            body = {"category": p["category"], "lat": worker["lat"], "lng": worker["lng"], "description": "模拟的一天：巡查上报"}
            return "POST", "/api/v1/incidents/", {**self._auth(worker["token"]), "Content-Type": "application/json"}, json.dumps(body).encode()
        if kind == "report_photo":
            body, content_type = multipart({"category": p["category"], "lat": worker["lat"], "lng": worker["lng"],
                                            "description": "模拟的一天：带照片上报"}, self.photo)
            return "POST", "/api/v1/incidents/", {**self._auth(worker["token"]), "Content-Type": content_type}, body
        if kind == "checkin":
            body = {"lat": worker["lat"], "lng": worker["lng"], "client_id": str(uuid.uuid4())}
            return "POST", f"/api/v1/patrols/{worker['patrol']}/checkins/", {**self._auth(worker["token"]), "Content-Type": "application/json"}, \
                json.dumps(body).encode()
        if kind == "onsite_check":
            with_case = [w for w in p["workers"][:200] if w.get("case")] or [worker]
            chosen = rng.choice(with_case)
            if not chosen.get("case"):
                return "GET", "/api/v1/incidents/", self._auth(chosen["token"]), b""
            return "POST", f"/api/v1/incidents/{chosen['case']}/add_info/", {**self._auth(chosen["token"]), "Content-Type": "application/json"}, \
                json.dumps({"note": "现场核查：已到场"}).encode()
        if kind == "home":
            return "GET", "/", {"Cookie": rng.choice(p["worker_cookies"])}, b""
        if kind == "tile":
            return "GET", rng.choice(p["tiles"]), self._auth(p["system_token"]), b""
        if kind == "intake":
            return "GET", "/dispatch/intake.json", {"Cookie": rng.choice(p["dispatcher_cookies"])}, b""
        if kind == "queue":
            return "GET", "/dispatch/queue.json", {"Cookie": rng.choice(p["dispatcher_cookies"])}, b""
        if kind == "case_open":
            return "GET", f"/api/v1/dispatch/incidents/{rng.choice(p['district_cases'])}/", self._auth(rng.choice(p["dispatchers"])["token"]), b""
        if kind == "case_act":
            return "POST", f"/api/v1/dispatch/incidents/{rng.choice(p['district_cases'])}/add_info/", \
                {**self._auth(rng.choice(p["dispatchers"])["token"]), "Content-Type": "application/json"}, json.dumps({"note": "指挥中心：跟进"}).encode()
        if kind == "inbox":
            return "GET", "/api/v1/dispatch/inbox/", self._auth(rng.choice(p["handlers"])["token"]), b""
        if kind == "lookup":
            lng, lat = rng.choice(p["lookups"])
            return "GET", f"/api/v1/areas/lookup/?lat={lat:.6f}&lng={lng:.6f}", self._auth(p["system_token"]), b""
        if kind == "dashboard":
            return "GET", rng.choice(p["dashboard"]), self._auth(p["leader_token"]), b""
        raise ValueError(f"unknown kind {kind}")


def multipart(fields: dict, photo: bytes, boundary: str = "dayBOUNDARY5c1d") -> tuple[bytes, str]:
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode() for name, value in fields.items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="photos"; filename="phone.jpg"\r\n'
                 f"Content-Type: image/jpeg\r\n\r\n".encode() + photo + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


async def send(port: int, method: str, path: str, headers: dict, body: bytes) -> int:
    """One request on its own connection; answers the HTTP status."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        head = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Connection: close", f"Content-Length: {len(body)}"]
        head += [f"{name}: {value}" for name, value in headers.items()]
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode("utf-8") + body)
        await writer.drain()
        status_line = await reader.readline()
        await reader.read()  # to the end: the server closes
        return int(status_line.split()[1])
    finally:
        writer.close()


async def run_step(plan: dict) -> dict:
    rng = random.Random(plan.get("seed", 1))
    requests = Requests(plan, rng)
    rates, seconds, port = plan["rates"], plan["seconds"], plan["port"]
    slots = asyncio.Semaphore(plan.get("connections", 256))
    figures = {k: {"latencies": [], "errors": {}, "sent": 0} for k in rates}
    pending: set[asyncio.Task] = set()
    started = time.monotonic()

    async def one(kind: str, due: float) -> None:
        method, path, headers, body = requests.build(kind)
        async with slots:
            figures[kind]["sent"] += 1
            try:
                status = await asyncio.wait_for(send(port, method, path, headers, body), TIMEOUT_S)
            except asyncio.TimeoutError:
                status = "timeout"
            except (OSError, ValueError, IndexError) as exc:
                status = type(exc).__name__
        ok = isinstance(status, int) and (200 <= status < 400 or (status == 409 and kind in CONFLICT_OK))
        if ok:
            figures[kind]["latencies"].append(time.monotonic() - due)
        else:
            name = f"HTTP {status}" if isinstance(status, int) else status
            figures[kind]["errors"][name] = figures[kind]["errors"].get(name, 0) + 1

    async def arrivals(kind: str, rate: float) -> None:
        due = started + rng.expovariate(rate)
        while due < started + seconds:
            await asyncio.sleep(max(0.0, due - time.monotonic()))
            task = asyncio.create_task(one(kind, due))
            pending.add(task)
            task.add_done_callback(pending.discard)
            due += rng.expovariate(rate)

    await asyncio.gather(*(arrivals(kind, rate) for kind, rate in rates.items() if rate > 0))
    unanswered = 0
    if pending:
        done, still = await asyncio.wait(set(pending), timeout=GRACE_S)
        unanswered = len(still)
        for task in still:
            task.cancel()
    elapsed = time.monotonic() - started
    out = {}
    for kind, f in figures.items():
        ms = sorted(x * 1000 for x in f["latencies"])
        out[kind] = {
            "n": len(ms), "errors": sum(f["errors"].values()), "error_kinds": f["errors"],
            "p50_ms": round(ms[len(ms) // 2], 1) if ms else None,
            "p95_ms": round(ms[min(len(ms) - 1, int(0.95 * len(ms)))], 1) if ms else None,
            "offered_per_s": round(rates[kind], 3), "sent_per_s": round(f["sent"] / seconds, 3),
            "answered_per_s": round(len(ms) / seconds, 3),
        }
    return {"kinds": out, "unanswered": unanswered, "elapsed_s": round(elapsed, 1)}


def main() -> None:
    plan_path, result_path = sys.argv[1], sys.argv[2]
    with open(plan_path) as handle:
        plan = json.load(handle)
    result = asyncio.run(run_step(plan))
    with open(result_path, "w") as handle:
        json.dump(result, handle)


if __name__ == "__main__":
    main()
