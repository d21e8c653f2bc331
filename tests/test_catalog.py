"""The Simplified Chinese catalog is complete, compiled and keeps every placeholder and rule ID intact.

The .po is read with a small stdlib parser (no polib); the shipped .mo is read with gettext.GNUTranslations, so a
machine without GNU gettext still shows Chinese.
"""

import ast
import gettext
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import npgettext, pgettext

from salesoffice.roles import ROLE_LABELS, Role

MESSAGES = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES"
PO = MESSAGES / "django.po"
MO = MESSAGES / "django.mo"

PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|\{\{\s*\w+\s*\}\}")
RULE_ID = re.compile(r"(?<![A-Za-z])(?:REC|ATT|COM|VIP|SVC)-[A-Z]+(?:-[0-9A-Za-z]+)?")
# Traditional-only forms of characters the vocabulary uses (RULES.md is written in Traditional Chinese).
TRADITIONAL = set("樓員現場項經銷輪違務傭義總處維營運記錄與為選擇請單號碼時間來訪戶產裡後檢詢")


@dataclass
class Entry:
    msgctxt: str | None
    msgid: str
    msgid_plural: str | None
    msgstrs: list[str]
    flags: set[str]
    obsolete: bool

    @property
    def mo_keys(self) -> list[str | tuple[str, int]]:
        prefix = f"{self.msgctxt}\x04" if self.msgctxt is not None else ""
        if self.msgid_plural is None:
            return [prefix + self.msgid]
        return [(prefix + self.msgid, i) for i in range(len(self.msgstrs))]


def _entries(text: str) -> list[Entry]:
    entries = []
    for block in re.split(r"\n\s*\n", text.strip()):
        fields: dict[str, list[str]] = {}
        flags: set[str] = set()
        current = None
        obsolete = False
        for raw in block.splitlines():
            line = raw
            if line.startswith("#~"):
                obsolete = True
                line = line[2:].strip()
            elif line.startswith("#,"):
                flags |= {flag.strip() for flag in line[2:].split(",")}
                continue
            elif line.startswith("#") or not line.strip():
                continue
            if line.startswith('"'):
                fields[current].append(line)
                continue
            current, _sep, rest = line.partition(" ")
            fields[current] = [rest]
        if "msgid" not in fields:
            continue
        value = {key: "".join(ast.literal_eval(part) for part in parts) for key, parts in fields.items()}
        plural_keys = sorted(key for key in value if key.startswith("msgstr["))
        entries.append(
            Entry(
                msgctxt=value.get("msgctxt"),
                msgid=value["msgid"],
                msgid_plural=value.get("msgid_plural"),
                msgstrs=[value[key] for key in plural_keys] if plural_keys else [value.get("msgstr", "")],
                flags=flags,
                obsolete=obsolete,
            )
        )
    return entries


@pytest.fixture(scope="module")
def po_entries() -> list[Entry]:
    return _entries(PO.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def messages(po_entries) -> list[Entry]:
    return [e for e in po_entries if e.msgid and not e.obsolete]


def test_header_declares_chinese_plural_forms(po_entries):
    header = next(e for e in po_entries if e.msgid == "")
    assert "Plural-Forms: nplurals=1; plural=0;" in header.msgstrs[0]
    assert "charset=UTF-8" in header.msgstrs[0]
    assert "fuzzy" not in header.flags


def test_every_entry_is_translated_and_none_is_fuzzy(messages):
    assert len(messages) > 300
    untranslated = [e.msgid for e in messages if not all(s.strip() for s in e.msgstrs)]
    fuzzy = [e.msgid for e in messages if "fuzzy" in e.flags]
    assert untranslated == []
    assert fuzzy == []
    plural = [e for e in messages if e.msgid_plural is not None]
    assert all(len(e.msgstrs) == 1 for e in plural), "Chinese has one plural form"


def test_placeholders_and_rule_ids_survive_translation(messages):
    for entry in messages:
        sources = [entry.msgid] + ([entry.msgid_plural] if entry.msgid_plural else [])
        wanted = set().union(*(PLACEHOLDER.findall(s) for s in sources))
        rules = set(RULE_ID.findall(entry.msgid))
        for msgstr in entry.msgstrs:
            plural_ok = entry.msgid_plural is not None and set(PLACEHOLDER.findall(msgstr)) <= wanted
            assert set(PLACEHOLDER.findall(msgstr)) == wanted or plural_ok, entry.msgid
            assert rules <= set(RULE_ID.findall(msgstr)), entry.msgid


def test_catalog_uses_simplified_characters(messages):
    offenders = {e.msgid: sorted(set("".join(e.msgstrs)) & TRADITIONAL) for e in messages}
    assert {msgid: chars for msgid, chars in offenders.items() if chars} == {}


def test_shipped_mo_matches_the_po(messages):
    """The .mo is committed and must be recompiled whenever the .po changes."""
    with MO.open("rb") as handle:
        catalog = gettext.GNUTranslations(handle)._catalog
    stale = [
        e.msgid
        for e in messages
        for key, msgstr in zip(e.mo_keys, e.msgstrs, strict=True)
        if catalog.get(key) != msgstr
    ]
    assert stale == []


def test_key_strings_render_in_chinese():
    with translation.override("zh-hans"):
        assert _("Client arrived") != "Client arrived"
        assert _("Client arrived") == "客户到访"
        assert str(ROLE_LABELS[Role.SALESPERSON]) == "售楼员"
        assert str(ROLE_LABELS[Role.SITE_SUPERVISOR]) == "现场主管"
        assert _("priority slot") == "优先轮值"
        assert _("Designated reception (REC-DES-1)") == "指定接待（REC-DES-1）"
        assert _("%(name)s is already away.") % {"name": "王伟"} == "王伟已离岗。"
        assert npgettext("board badge", "priority slot", "%(n)s priority slots", 2) % {"n": 2} == "2 次优先轮值"
        assert pgettext("navigation", "Admin") == "管理后台"
    with translation.override("en"):
        assert _("Client arrived") == "Client arrived"
