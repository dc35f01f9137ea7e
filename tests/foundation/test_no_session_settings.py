"""No code of the project changes a setting of the database session: behind a transaction pooler
(PgBouncer, GRIDGOV_DB_TRANSACTION_POOLER) a session ``SET`` stays on a server connection that the
pooler then hands to other clients (a lock timeout on somebody's write, unflushed commits on
somebody's data). Settings are ``SET LOCAL`` (or ``set_config(…, true)``) inside the transaction
they are for; a statement that refuses a transaction is bounded otherwise
(incidents.actions.patrol_days._run_within). The behaviour of each former session setting is
tested where it lives (tests/incidents/test_patrol_days_detach.py, test_seed_demo_settings.py);
this test keeps new ones from coming in.

The project's Python (tests apart: a test may set what it checks) is read as syntax; every string,
and the text of every f-string, is an SQL candidate."""
from __future__ import annotations

import ast
import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# A string that starts with "SET <name> = / TO" (not LOCAL, nor the transaction's CONSTRAINTS or
# TRANSACTION) or with RESET (in capitals: "Reset …" is English); set_config whose third argument
# (is_local) is false.
SESSION_SET = re.compile(r"^\s*SET\s+(SESSION\s+)?(?!(LOCAL|CONSTRAINTS|TRANSACTION)\b)[a-z_][a-z0-9_.]*\s*(=|TO\b)",
                         re.IGNORECASE)
SESSION_RESET = re.compile(r"^\s*RESET\s+\w")
SESSION_SET_CONFIG = re.compile(r"set_config\s*\([^)]*,\s*(false|'f'|0)\s*\)", re.IGNORECASE)


def _sets_the_session(text: str) -> bool:
    return bool(SESSION_SET.match(text) or SESSION_RESET.match(text) or SESSION_SET_CONFIG.search(text))


def _strings(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.lineno, node.value
        elif isinstance(node, ast.JoinedStr):
            yield node.lineno, "".join(part.value if isinstance(part, ast.Constant) else "{}" for part in node.values)


def _sources() -> list[str]:
    listed = subprocess.run(["git", "ls-files", "*.py"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return [path for path in listed.split() if not path.startswith("tests/")]


def test_no_statement_of_the_project_sets_anything_on_the_session():
    sources = _sources()
    assert sources, "git ls-files found no source: run from a clone"
    found = []
    for path in sources:
        file = ROOT / path
        if not file.exists():
            continue
        for line, text in _strings(ast.parse(file.read_text(encoding="utf-8"), filename=path)):
            if _sets_the_session(text):
                found.append(f"{path}:{line}: {text.strip()[:80]}")
    assert not found, "set it for the transaction (SET LOCAL, set_config(…, true)) instead:\n" + "\n".join(found)


def test_the_check_would_see_one():
    """The patterns catch what they are for, and leave the transaction's own settings alone."""
    caught = ["SET lock_timeout = '1min'", "  set statement_timeout TO 0", "RESET lock_timeout",
              "SELECT set_config('lock_timeout', '5s', false)", "SET SESSION work_mem = '1GB'"]
    allowed = ["SET LOCAL lock_timeout = '5s'", "SET CONSTRAINTS ALL IMMEDIATE", "SELECT set_config('x', 'y', true)",
               "UPDATE t SET a = 1", "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE",
               "Set a temporary password (shown once)", "Reset the form"]
    assert [sql for sql in caught if not _sets_the_session(sql)] == []
    assert [sql for sql in allowed if _sets_the_session(sql)] == []
