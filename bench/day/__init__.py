"""A simulated day under load (issue 18, item 1): bench/day/run.py. See bench/README.md."""
