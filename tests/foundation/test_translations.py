"""Every catalogue is fully translated into Simplified Chinese, the product's first language."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CATALOGUES = sorted(p for p in ROOT.glob("**/locale/zh_Hans/LC_MESSAGES/django.po") if ".venv" not in p.parts and "var" not in p.parts)


def test_there_is_a_chinese_catalogue():
    assert ROOT / "locale/zh_Hans/LC_MESSAGES/django.po" in CATALOGUES


@pytest.mark.parametrize("catalogue", CATALOGUES, ids=lambda p: str(p.relative_to(ROOT)))
def test_the_catalogue_has_no_untranslated_or_fuzzy_message(catalogue):
    result = subprocess.run(
        ["msgfmt", "--check-format", "--statistics", "-o", "/dev/null", str(catalogue)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert not re.search(r"untranslated|fuzzy", result.stderr), f"{catalogue}: {result.stderr.strip()}"


def _messages(catalogue: Path) -> dict[str, str]:
    """{msgid (with its context): msgstr} of a catalogue, read from what msgfmt compiles of it."""
    import gettext
    import tempfile

    with tempfile.NamedTemporaryFile(suffix=".mo") as compiled:
        subprocess.run(["msgfmt", "-o", compiled.name, str(catalogue)], check=True)
        with open(compiled.name, "rb") as handle:
            found = gettext.GNUTranslations(handle)._catalog  # noqa: SLF001 (the parsed table itself)
    return {key: value for key, value in found.items() if key and isinstance(key, str)}


def test_the_project_catalogue_does_not_change_what_an_app_says():
    """Django looks in the project's catalogue (LOCALE_PATHS) before the apps': the same English
    words translated differently there would silently change an app's page (the roster's "Notes"
    once turned the residents' 备注 on the visit form into 说明)."""
    project = _messages(ROOT / "locale/zh_Hans/LC_MESSAGES/django.po")
    clashes = []
    for catalogue in CATALOGUES:
        if catalogue == ROOT / "locale/zh_Hans/LC_MESSAGES/django.po":
            continue
        for msgid, text in _messages(catalogue).items():
            if msgid in project and project[msgid] != text:
                clashes.append(f"{catalogue.relative_to(ROOT)}: {msgid!r} is {text!r}, the project's catalogue says {project[msgid]!r}")
    assert not clashes, "\n".join(clashes)
