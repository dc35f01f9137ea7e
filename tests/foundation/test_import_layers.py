"""Imports run one way: no cycle between the modules of an app, and no app importing one above it.

The rules are the import-linter contracts in ``.importlinter`` at the repository root (the layers
are listed there); these tests run them with the suite, so ``make test`` fails when one is broken.
import-linter checks cycles between sibling modules and subpackages; a module-level check with
grimp (import-linter's own graph library) adds the one case it leaves out, a module importing the
package that contains it while that package imports it back. The last tests run the same checks
on small packages made for the purpose, to show that a cycle or an upward import does fail them.
"""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[2]
PROJECT_PACKAGES = ("gridgov", "grids", "accounts", "residents", "incidents", "dispatch")


def lint_imports(directory: Path, config: str = ".importlinter") -> subprocess.CompletedProcess:
    """import-linter's own command, as a developer runs it, on the packages in ``directory``."""
    command = Path(sys.executable).with_name("lint-imports")
    env = {**os.environ, "PYTHONPATH": str(directory)}
    return subprocess.run([str(command), config, "--no-cache", "--no-logo"], cwd=directory, env=env,
                          capture_output=True, text=True, timeout=300)


def module_cycles(packages: tuple[str, ...]) -> list[list[str]]:
    """The import cycles inside each package, each once, as the chain of modules round it.

    Every import between two modules of one package is followed by the shortest way back; a
    cycle is written from its first module in alphabetical order, so that it is found once
    whichever of its imports led to it.
    """
    graph = grimp.build_graph(*packages, cache_dir=None)
    cycles: set[tuple[str, ...]] = set()
    for importer in graph.modules:
        app = importer.split(".")[0]
        for imported in graph.find_modules_directly_imported_by(importer):
            if imported.split(".")[0] != app or imported == importer:
                continue
            back = graph.find_shortest_chain(importer=imported, imported=importer)
            if back:
                ring = [importer, *back[:-1]]
                start = ring.index(min(ring))
                ring = ring[start:] + ring[:start]
                cycles.add((*ring, ring[0]))
    return [list(cycle) for cycle in sorted(cycles)]


def test_the_project_keeps_its_import_contracts():
    result = lint_imports(ROOT)
    assert result.returncode == 0, f"lint-imports found broken contracts:\n{result.stdout}\n{result.stderr}"


def test_no_module_takes_part_in_an_import_cycle(monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT))
    cycles = module_cycles(PROJECT_PACKAGES)
    assert not cycles, "import cycles:\n" + "\n".join(" → ".join(chain) for chain in cycles)


# --- the checks fail when they should -------------------------------------------------------

CONFIG = """\
[importlinter]
root_packages =
    low
    high

[importlinter:contract:no-cycles]
name = No import cycles between the modules of an app
type = acyclic_siblings
ancestors =
    low
    high

[importlinter:contract:layers]
name = Apps depend only downward
type = layers
layers =
    high
    low
"""

CLEAN = {
    "low/__init__.py": "",
    "low/models.py": "",
    "low/actions.py": "from . import models\n",
    "high/__init__.py": "",
    "high/views.py": "from low import actions\n",
}


def make_packages(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    (tmp_path / ".importlinter").write_text(CONFIG)
    return tmp_path


def test_clean_packages_pass_both_checks(tmp_path, monkeypatch):
    directory = make_packages(tmp_path, CLEAN)
    result = lint_imports(directory)
    assert result.returncode == 0, result.stdout + result.stderr
    monkeypatch.syspath_prepend(str(directory))
    assert module_cycles(("low", "high")) == []


def test_a_cycle_inside_an_app_fails_even_through_an_import_inside_a_function(tmp_path, monkeypatch):
    directory = make_packages(tmp_path, {
        **CLEAN,
        # The shape residents had: the act imports the task, the task imports the act back lazily.
        "low/tasks.py": """\
            def run():
                from .actions import act
                return act()
        """,
        "low/actions.py": "from . import models\nfrom .tasks import run\n\ndef act():\n    return 1\n",
    })
    result = lint_imports(directory)
    assert result.returncode != 0
    assert "No import cycles between the modules of an app BROKEN" in result.stdout
    assert "No cycles are allowed in low" in result.stdout
    monkeypatch.syspath_prepend(str(directory))
    assert ["low.actions", "low.tasks", "low.actions"] in module_cycles(("low", "high"))


def test_a_module_importing_its_own_package_back_is_a_cycle(tmp_path, monkeypatch):
    directory = make_packages(tmp_path, {
        **CLEAN,
        "low/acts/__init__.py": "from .people import create_person\n\nMAX = 3\n",
        "low/acts/people.py": "from low.acts import MAX\n\ndef create_person():\n    return MAX\n",
    })
    monkeypatch.syspath_prepend(str(directory))
    assert ["low.acts", "low.acts.people", "low.acts"] in module_cycles(("low", "high"))


def test_an_import_from_a_lower_app_into_a_higher_one_fails(tmp_path):
    directory = make_packages(tmp_path, {**CLEAN, "low/demo.py": "from high import views\n"})
    result = lint_imports(directory)
    assert result.returncode != 0
    assert "Apps depend only downward BROKEN" in result.stdout
    assert "low is not allowed to import high" in result.stdout
    assert "low.demo -> high.views" in result.stdout

