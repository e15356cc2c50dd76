import ast
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest

PO = Path(__file__).resolve().parents[2] / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="gettext is not installed")
def test_the_chinese_catalogue_is_complete():
    result = subprocess.run(  # noqa: S603 - fixed arguments
        ["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(PO)],  # noqa: S607
        capture_output=True,
        text=True,
        check=True,
    )

    assert "translated" in result.stderr
    assert "untranslated" not in result.stderr
    assert "fuzzy" not in result.stderr


def _catalogue_entries(text: str) -> list[dict]:
    """The .po's entries as {"flags", "msgctxt", "msgid", "msgid_plural", "msgstr", "msgstr[0]", …, "line"}:
    a reader of what Django's catalogue holds, without gettext installed (obsolete "#~" entries are left out)."""
    entries: list[dict] = []
    entry: dict = {}
    key = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#~"):
            if entry.get("msgid") is not None:
                entries.append(entry)
            entry, key = {}, None
            continue
        if line.startswith("#,"):
            entry.setdefault("flags", set()).update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            entry[key] += ast.literal_eval(line)
        else:
            key, _space, value = line.partition(" ")
            if key == "msgctxt" and entry.get("msgid") is not None:  # an entry with no blank line before it
                entries.append(entry)
                entry = {}
            entry[key] = ast.literal_eval(value)
            entry.setdefault("line", number)
    if entry.get("msgid") is not None:
        entries.append(entry)
    return entries


def test_no_msgstr_of_the_chinese_catalogue_is_empty_or_fuzzy():
    entries = [entry for entry in _catalogue_entries(PO.read_text(encoding="utf-8")) if entry["msgid"]]

    empty = [
        f"line {entry['line']}: {entry['msgid']!r}"
        for entry in entries
        if any(not value for key, value in entry.items() if key.startswith("msgstr"))
    ]
    fuzzy = [f"line {entry['line']}: {entry['msgid']!r}" for entry in entries if "fuzzy" in entry.get("flags", ())]
    twice = [key for key, count in Counter((e.get("msgctxt"), e["msgid"]) for e in entries).items() if count > 1]
    assert len(entries) > 1000
    assert (empty, fuzzy, twice) == ([], [], [])


def test_the_catalogue_reader_finds_an_empty_and_a_fuzzy_msgstr():
    text = (
        '#, fuzzy\nmsgid "Menu"\nmsgstr "菜单"\n\n'
        'msgctxt "menu"\nmsgid "Deals"\nmsgstr ""\n\n'
        'msgid "a"\nmsgid_plural "b"\nmsgstr[0] ""\n"x"\n'
    )

    entries = _catalogue_entries(text)

    assert [(e.get("flags"), e.get("msgctxt"), e["msgid"]) for e in entries] == [
        ({"fuzzy"}, None, "Menu"),
        (None, "menu", "Deals"),
        (None, None, "a"),
    ]
    assert (entries[1]["msgstr"], entries[2]["msgstr[0]"]) == ("", "x")


EAGER_GETTEXT = {"gettext", "ngettext", "pgettext", "npgettext"}
ROOT = PO.parents[3]


def _gettext_at_import(source: str) -> list[int]:
    """Lines where a module or class body calls gettext (not gettext_lazy): that runs once, at import, in the
    default language, and every later request shows that translation whatever its own language."""
    tree = ast.parse(source)
    names = {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "django.utils.translation"
        for alias in node.names
        if alias.name in EAGER_GETTEXT
    }
    lines: list[int] = []

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                continue
            if isinstance(child, ast.Call) and isinstance(child.func, ast.Name) and child.func.id in names:
                lines.append(child.lineno)
            visit(child)

    visit(tree)
    return lines


def test_no_module_translates_a_string_at_import():
    apps = ["crm", "territories", "accounts", "visits", "campaigns", "performance"]
    sources = [path for app in apps for path in (ROOT / app).rglob("*.py") if "migrations" not in path.parts]

    found = [f"{path.relative_to(ROOT)}:{line}" for path in sources for line in _gettext_at_import(path.read_text())]

    assert len(sources) > 100
    assert found == []


def test_a_translation_at_import_is_found():
    source = (
        "from django.utils.translation import gettext as _\n"
        "TITLES = {'a': _('A')}\n"
        "class Form:\n    label = _('B')\n"
        "def view():\n    return _('C')\n"
    )

    assert _gettext_at_import(source) == [2, 4]
