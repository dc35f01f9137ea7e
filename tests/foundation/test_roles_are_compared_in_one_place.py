"""What a role may do is declared once, in accounts/capabilities.py: no other module or template
compares role names, lists roles or looks a role up in a table of its own — they ask
``can(user, Capability.X)`` / ``role_can`` / ``roles_with`` (templates: ``user|can:"…"``).

The product's source is read as Python syntax (comments and docstrings do not count) and its
templates' tags as text. The places where a role is data — stored on a user, seeded, defined — are
listed below with the reason; a new one must be added here on purpose.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

from django.apps import apps

from accounts.models import Role

ROOT = Path(__file__).resolve().parents[2]

# Role values that name nothing else in the code ("community", "street" and "department" are also
# levels, fields and query parameters; comparisons with them are caught as comparisons of a role).
ROLE_ONLY_VALUES = {Role.GRID_WORKER.value, Role.GIS_ADMIN.value, Role.DISPATCHER.value, Role.LEADER.value}

# path (a file, or the start of a path: a module that may become a package) → why roles are named there.
ALLOWED_FILES: dict[str, str] = {
    "accounts/capabilities.py": "the table itself",
    "accounts/models.py": "defines the roles, and the database constraint that a department handler has a department",
    # The level chain: which role's staff hold a case at each level (data the escalation sweep
    # compiles into its statement, and the single-case acts read).
    "incidents/levels.py": "the level chain's level → role table",
    # The masking policy's rows per role are derived from the capability table (roles_with).
    "accounts/roster/columns.py": "the roster's file format: the words a personnel office writes for each role, and the level of area each answers for",
    "residents/policy.py": "the masking table per role, derived from the capabilities",
}
# Seeding and benchmark fixtures create users of each role: data, wherever they live (an app's
# demo.py, or a demo_<part>.py it splits into).
DATA_FILE_NAMES = {"demo.py"}
DATA_FILE_PREFIX = "demo_"
DATA_FOLDERS = ("management/commands/",)
# (path, a piece of the line) → why this one line may name a role.
ALLOWED_LINES: dict[tuple[str, str], str] = {
    ("incidents/rules.py", "LEVEL_ROLE.get(incident.level)"): "holding a case's level is the level chain's rule (incidents.levels)",
    ("incidents/queries.py", "LEVEL_ROLE"): "reads the level chain's level → role table (incidents.levels)",
    ("dispatch/actions/open311.py", "role=Role.LEADER"): "an Open311 client's system user is stored read-only (data)",
}

HINT = (
    "ask accounts.capabilities instead (can / role_can / roles_with; in templates {% load capabilities %} user|can:\"…\"); "
    "if the line is data (a role stored or seeded), list it in this test with the reason"
)


def _product_roots() -> list[Path]:
    roots = {Path(config.path) for config in apps.get_app_configs() if Path(config.path).is_relative_to(ROOT)}
    roots |= {ROOT / "gridgov", ROOT / "templates"}
    return sorted(root for root in roots if ".venv" not in root.parts)


def _relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _allowed_file(relative: str) -> bool:
    name = Path(relative).name
    if name in DATA_FILE_NAMES or name.startswith(DATA_FILE_PREFIX) or any(folder in relative for folder in DATA_FOLDERS):
        return True
    return any(relative.startswith(prefix) for prefix in ALLOWED_FILES)


def _allowed_line(relative: str, line: str) -> bool:
    return any(path == relative and piece in line for (path, piece) in ALLOWED_LINES)


def _is_role_member(node: ast.AST) -> bool:
    return isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "Role" and node.attr in Role.names


def _is_role(node: ast.AST) -> bool:
    """``x.role``, a name ``role``, ``getattr(x, "role", …)``, ``Role.X`` or a role's value."""
    if isinstance(node, ast.Attribute) and node.attr == "role" or isinstance(node, ast.Name) and node.id == "role":
        return True
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "getattr" and len(node.args) >= 2:
        return isinstance(node.args[1], ast.Constant) and node.args[1].value == "role"
    return _is_role_member(node) or isinstance(node, ast.Constant) and node.value in ROLE_ONLY_VALUES


def _is_data(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    """A role as a value stored or queried: ``role=Role.X``, ``role__in=…``, ``{"role": Role.X}``."""
    parent = parents.get(node)
    while isinstance(parent, (ast.List, ast.Tuple, ast.Set)):  # role__in=[…]
        node, parent = parent, parents.get(parent)
    if isinstance(parent, ast.keyword):
        return parent.arg in ("role", "role__in")
    if isinstance(parent, ast.Dict):
        key = parent.keys[parent.values.index(node)] if node in parent.values else None
        return isinstance(key, ast.Constant) and key.value == "role"
    return False


def _python_findings(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    parents = {child: parent for parent in ast.walk(tree) for child in ast.iter_child_nodes(parent)}
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare) and any(_is_role(side) for side in [node.left, *node.comparators]):
            found.append((node.lineno, "compares a role"))
        elif isinstance(node, ast.Subscript) and _is_role(node.slice):
            found.append((node.lineno, "looks a role up in a table of its own"))
        elif (
            isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get"
            and node.args and _is_role(node.args[0])
        ):
            found.append((node.lineno, "looks a role up in a table of its own"))
        elif (_is_role_member(node) or isinstance(node, ast.Constant) and node.value in ROLE_ONLY_VALUES) and not _is_data(node, parents):
            if not isinstance(parents.get(node), ast.Compare):  # reported once, as the comparison
                found.append((node.lineno, "names a role"))
    return found


TEMPLATE_TAG = re.compile(r"{%.*?%}|{{.*?}}", re.S)
TEMPLATE_ROLE = re.compile(r"\brole\b|[\"'](?:%s)[\"']" % "|".join(sorted(ROLE_ONLY_VALUES)))


def _template_findings(path: Path) -> list[tuple[int, str]]:
    text = path.read_text(encoding="utf-8")
    found = []
    for tag in TEMPLATE_TAG.finditer(text):
        if TEMPLATE_ROLE.search(tag.group()):
            found.append((text.count("\n", 0, tag.start()) + 1, "compares or names a role in a template"))
    return found


def _sources() -> list[Path]:
    files = []
    for root in _product_roots():
        for path in root.rglob("*"):
            if "migrations" in path.parts or "__pycache__" in path.parts or not path.is_file():
                continue
            if path.suffix == ".py" or path.suffix in (".html", ".txt") and "templates" in path.parts:
                files.append(path)
    return sorted(set(files))


def test_roles_are_compared_only_in_the_capability_table():
    problems = []
    for path in _sources():
        relative = _relative(path)
        if _allowed_file(relative):
            continue
        lines = path.read_text(encoding="utf-8").splitlines()
        findings = _python_findings(path) if path.suffix == ".py" else _template_findings(path)
        for lineno, what in sorted(set(findings)):
            line = lines[lineno - 1].strip()
            if not _allowed_line(relative, line):
                problems.append(f"{relative}:{lineno}: {what}: {line}")
    assert not problems, f"{HINT}:\n  " + "\n  ".join(problems)


def test_the_check_sees_what_it_must_refuse(tmp_path):
    """The check itself: each way of deciding by role that the codebase used to have is caught."""
    sample = tmp_path / "sample.py"
    sample.write_text(
        "def f(user, request):\n"
        "    a = user.role == Role.DISPATCHER\n"
        "    b = request.user.role in (Role.COMMUNITY, Role.STREET)\n"
        "    c = getattr(user, 'role', None) == 'gis_admin'\n"
        "    d = CARDS.get(user.role, [])\n"
        "    register_nav('x', roles=[Role.GRID_WORKER])\n"
        "    e = ('leader',)\n"
        "    User.objects.create(role=Role.LEADER)\n"
        "    User.objects.filter(role__in=['leader'])\n"
        "    return {'role': Role.LEADER}\n",
        encoding="utf-8",
    )
    assert sorted({line for line, _what in _python_findings(sample)}) == [2, 3, 4, 5, 6, 7]
    page = tmp_path / "page.html"
    page.write_text('{% if user.role != "leader" %}x{% endif %}{{ user.get_role_display }}{% if user|can:"report_cases" %}{% endif %}')
    assert len(_template_findings(page)) == 1
