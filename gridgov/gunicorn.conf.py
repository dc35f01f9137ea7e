"""gunicorn settings for production (docker-compose) and the benchmark, which must match.

Sync workers, three on a 2-core machine (GRIDGOV_WEB_WORKERS scales it; each worker holds one
database connection, CONN_MAX_AGE). Threaded workers (gthread, keep-alive) were measured at city
scale and lost: the point lookup fell from ~1,280 to ~790 requests/s and reports with a photo at
32 clients from p95 220 ms to 690 ms — Python work contends for one interpreter lock per process.
"""
import os

workers = int(os.environ.get("GRIDGOV_WEB_WORKERS", "3"))
worker_class = "sync"
timeout = 60
graceful_timeout = 30
