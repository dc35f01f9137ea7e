"""A module has one subject and stays readable: at most 400 lines of the project's own Python and
JavaScript (vendored libraries and migrations apart). A longer one is split by subject into a
package (Python) or into files sharing one namespace (JavaScript)."""
from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LIMIT = 400


def _own_sources() -> list[str]:
    listed = subprocess.run(["git", "ls-files", "*.py", "*.js"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return [path for path in listed.split() if "/vendor/" not in path and "/migrations/" not in path]


# Files let over the limit for a while, to be split next (named, so any other file fails); none now.
OVER_THE_LIMIT_TO_SPLIT: set[str] = set()


def test_no_module_of_the_project_is_longer_than_400_lines():
    sources = _own_sources()
    assert sources, "git ls-files found no source: run from a clone"
    too_long = {}
    for path in sources:
        file = ROOT / path
        if file.exists():
            lines = len(file.read_text(encoding="utf-8").splitlines())
            if lines > LIMIT and path not in OVER_THE_LIMIT_TO_SPLIT:
                too_long[path] = lines
    assert not too_long, f"split these by subject: {too_long}"
