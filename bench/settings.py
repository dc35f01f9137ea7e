"""The project's settings plus the benchmark's baseline endpoints (bench.urls).

Used only by the benchmark's server and scripts; production never loads it.
"""
from gridgov.settings import *  # noqa: F401,F403

ROOT_URLCONF = "bench.urls"

# The load of the residents' report benchmark comes from one address (bench/public_report.py).
GRIDGOV_PUBLIC_REPORTS_PER_IP_HOUR = 10**9
