"""gunicorn settings for production (docker-compose) and the benchmark, which must match.

Threaded workers with keep-alive: a phone or the console keeps its connection open between
requests instead of paying a TCP handshake each time, and a request waiting on PostgreSQL or
Redis does not hold a whole process. Three processes of four threads suit a 2-core machine;
GRIDGOV_WEB_WORKERS / GRIDGOV_WEB_THREADS scale it (each thread holds one database connection,
CONN_MAX_AGE, so workers × threads must stay well under PostgreSQL's max_connections).
"""
import os

workers = int(os.environ.get("GRIDGOV_WEB_WORKERS", "3"))
worker_class = "gthread"
threads = int(os.environ.get("GRIDGOV_WEB_THREADS", "4"))
keepalive = 5
timeout = 60
# Photos are resized in the browser, but a slow 3G upload of one still takes a while.
graceful_timeout = 30
