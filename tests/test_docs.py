"""The README and docs/ name files a newcomer will open: every repository path they quote must exist.

A path is a backticked word with no space or placeholder that starts with a top-level entry of the repository and
either has a `/` or ends in a file extension (`reception/rules.py`, `bin/test`, `docs/scenarios.md`). URLs
(`/desk/<site>/`), dotted names (`salesoffice.money.VIP_AMOUNT`), paths outside the repository (`../shared/…`) and
templates (`<app>/rules.py`) are not checked.
"""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
EXTENSIONS = {"py", "md", "yml", "yaml", "toml", "txt", "html", "js", "css", "po", "cfg", "ini", "sh", "json"}
# Made at run time, not kept in the repository: bin/run's database, bin/setup's virtualenv.
GENERATED = ("var/", ".venv/")

FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
BACKTICKED = re.compile(r"`([^`\n]+)`")
PATH = re.compile(r"[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*/?")


def _top_level() -> set[str]:
    return {entry.name for entry in ROOT.iterdir()} - {".git"}


def quoted_paths(text: str, top_level: set[str]) -> set[str]:
    """The repository paths quoted in a Markdown text (fenced blocks left out: they hold commands and sketches)."""
    found = set()
    for word in BACKTICKED.findall(FENCE.sub("", text)):
        if not PATH.fullmatch(word) or word.startswith(GENERATED):
            continue
        if word.split("/")[0] not in top_level:
            continue
        if "/" in word or word.rsplit(".", 1)[-1] in EXTENSIONS:
            found.add(word)
    return found


def test_quoted_paths_are_recognised():
    top = {"reception", "docs", "bin", "manage.py"}
    text = (
        "See `reception/rules.py`, `docs/x.md`, `bin/test`, `manage.py`, `/desk/<site>/`, `salesoffice.money.X`, "
        "`<app>/rules.py`, `../shared/RULES.md`, `bin/test -m slow`, `var/salesoffice.sqlite3`.\n"
        "```\nreception/not_checked.py\n`docs/in_a_fence.md`\n```\n"
    )
    assert quoted_paths(text, top) == {"reception/rules.py", "docs/x.md", "bin/test", "manage.py"}


@pytest.mark.parametrize("doc", DOCS, ids=lambda doc: str(doc.relative_to(ROOT)))
def test_every_quoted_path_exists(doc: Path):
    quoted = quoted_paths(doc.read_text(encoding="utf-8"), _top_level())
    missing = sorted(p for p in quoted if not (ROOT / p).exists())
    assert not missing, f"{doc.relative_to(ROOT)} names paths that do not exist: {missing}"
