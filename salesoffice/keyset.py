"""Keyset pagination (issue 17): a page of a list ordered by indexed keys, found from the last row of the page before
it, in one query of `size + 1` rows. Nothing counts the list, so a page costs the same whatever the history holds;
the page offers "next" when there is more and "first page" when it is not the first."""

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet


@dataclass
class KeysetPage:
    object_list: list
    param: str  # the query parameter that carries the cursor
    next_cursor: str  # "" on the last page
    is_first: bool

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)

    @property
    def has_other_pages(self) -> bool:
        return bool(self.next_cursor) or not self.is_first


def _field(queryset: QuerySet, name: str):
    meta = queryset.model._meta
    return meta.pk if name == "pk" else meta.get_field(name)


def _encode(values: list) -> str:
    text = json.dumps([v.isoformat() if hasattr(v, "isoformat") else v for v in values])
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _decode(queryset: QuerySet, names: list[str], cursor: str) -> list | None:
    """The cursor's values, each read by its field; None for a cursor that is not one of ours (a first page)."""
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(values, list) or len(values) != len(names):
            return None
        return [_field(queryset, name).to_python(value) for name, value in zip(names, values, strict=True)]
    except (ValueError, TypeError, binascii.Error, ValidationError):
        return None


def keyset_page(queryset: QuerySet, *, keys: Sequence[str], cursor: str, size: int, param: str) -> KeysetPage:
    """The rows of `queryset` after `cursor` in the order of `keys` (all ascending or all descending, e.g.
    ("-at", "-pk"); the last one unique), at most `size`. An index on the keys (after the equality filters) serves it;
    the first key's bound is also given alone so that the index scan starts at the cursor, not at the list's head."""
    descending = keys[0].startswith("-")
    names = [k.lstrip("-") for k in keys]
    values = _decode(queryset, names, cursor) if cursor else None
    rows = queryset.order_by(*keys)
    if values is not None:
        op, first = ("lt", "lte") if descending else ("gt", "gte")
        after = Q()
        for i, name in enumerate(names):
            after |= Q(**{n: v for n, v in zip(names[:i], values[:i], strict=True)}, **{f"{name}__{op}": values[i]})
        rows = rows.filter(Q(**{f"{names[0]}__{first}": values[0]}) & after)
    found = list(rows[: size + 1])
    more = len(found) > size
    found = found[:size]
    next_cursor = _encode([getattr(found[-1], name) for name in names]) if more else ""
    return KeysetPage(object_list=found, param=param, next_cursor=next_cursor, is_first=values is None)
