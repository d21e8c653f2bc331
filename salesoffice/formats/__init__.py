"""How dates read for each language (FORMAT_MODULE_PATH): templates name a format (`|date:"SHORT_DATETIME_FORMAT"`),
never spell one, so a reader's language decides in one place.

Tables and times keep the ISO order in both languages (2026-03-05 09:30): it is what Chinese offices write, it sorts,
and an English reader cannot misread it as 3 May. Headings and sentences read as the language does: 2026年3月 and
2026年3月5日 for a Chinese reader, March 2026 and 5 March 2026 for an English one.
"""
