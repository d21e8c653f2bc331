"""The audit history a manager can read: who changed what, when, field by field."""

import datetime as dt
from dataclasses import dataclass

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.paginator import Page, Paginator
from django.db.models import OuterRef, Subquery
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from .access import sees_all_sites, sites_for
from .models import display_name

# Models whose history the page shows, and how a history row is tied to a site (None: not site-bound,
# shown only to people who see every site).
AUDITED = {
    "reception.RotaMember": "site_id",
    "reception.DutyAssignment": "site_id",
    "reception.Absence": "site_id",
    "reception.Reception": "site_id",
    "reception.PrioritySlot": "site_id",
    "reception.DeskSettings": "site_id",
    "salesoffice.SiteMembership": "site_id",
    "salesoffice.Site": "id",
    "attribution.Client": None,
    "salesoffice.MonthlyPack": None,  # every site's figures: who generated a month's pack, and when
}


@dataclass(frozen=True)
class HistoryRow:
    when: object
    who: str
    action: str
    model: str
    obj: str
    changes: list[tuple[str, str, str]]


def audited_choices() -> list[tuple[str, str]]:
    return [(label, str(apps.get_model(label)._meta.verbose_name).capitalize()) for label in AUDITED]


def history_page_rows(
    user: AbstractBaseUser, model_label: str, page_number: str | None, per_page: int = 30
) -> tuple[Page, list[HistoryRow]]:
    """One model's history, newest first, limited to the sites the user may see; four queries a page, and one per
    model its foreign keys point at."""
    model = apps.get_model(model_label)
    history = model.history.model
    pk_name = model._meta.pk.attname  # "id", or "site_id" for DeskSettings
    site_field = AUDITED[model_label]
    records = (
        history.objects.select_related("history_user")
        .annotate(previous_history_id=Subquery(_previous_of(history, pk_name)))
        .order_by("-history_date", "-history_id")
    )
    if not sees_all_sites(user):
        if site_field is None:
            records = records.none()
        else:
            records = records.filter(**{f"{site_field}__in": sites_for(user).values("pk")})
    page = Paginator(records, per_page).get_page(page_number)
    rows = list(page.object_list)
    previous = history.objects.in_bulk([r.previous_history_id for r in rows if r.previous_history_id])
    actions = {"+": _("created"), "~": _("changed"), "-": _("deleted")}
    fields = [f for f in model._meta.fields if not f.primary_key]
    user_fields = [f.attname for f in fields if f.is_relation and f.related_model is get_user_model()]
    people = _people_named([*rows, *previous.values()], user_fields)
    related = _related_named(
        [*rows, *previous.values()], [f for f in fields if f.is_relation and f.attname not in user_fields]
    )
    result = []
    for record in rows:
        before = previous.get(record.previous_history_id)
        changes = []
        if before is not None:
            for f in fields:
                old, new = getattr(before, f.attname, None), getattr(record, f.attname, None)
                if old != new:
                    names = people if f.attname in user_fields else related.get(f.attname, {})
                    changes.append((str(f.verbose_name), _text(f, old, names), _text(f, new, names)))
        result.append(
            HistoryRow(
                when=record.history_date,
                who=display_name(record.history_user) if record.history_user else _("system"),
                action=actions.get(record.history_type, record.history_type),
                model=str(model._meta.verbose_name),
                obj=_label(record, pk_name, people),
                changes=changes,
            )
        )
    return page, result


def _previous_of(history, pk_name: str):
    """The object's record just before this one. Records of one object are written in order under its row
    lock, so the id orders them even where two servers' clocks disagree or two changes share an instant."""
    return (
        history.objects.filter(**{pk_name: OuterRef(pk_name)}, history_id__lt=OuterRef("history_id"))
        .order_by("-history_id")
        .values("history_id")[:1]
    )


def _people_named(records, user_fields: list[str]) -> dict[int, str]:
    ids = {getattr(r, name, None) for r in records for name in user_fields}
    ids.discard(None)
    return {u.pk: display_name(u) for u in get_user_model().objects.filter(pk__in=ids)} if ids else {}


def _related_named(records, relations) -> dict[str, dict[object, str]]:
    """Each foreign key's objects by id, as a manager reads them: one query per related model on the page."""
    ids_by_model: dict[type, set] = {}
    for field in relations:
        ids = ids_by_model.setdefault(field.related_model, set())
        ids.update(getattr(r, field.attname, None) for r in records)
    named: dict[type, dict[object, str]] = {}
    for related_model, ids in ids_by_model.items():
        ids.discard(None)
        if not ids:
            continue
        # A related object's name may mention a person (an absence's salesperson): read them with it.
        people = [f.name for f in related_model._meta.fields if f.is_relation and f.related_model is get_user_model()]
        objects = related_model._default_manager.select_related(*people).in_bulk(ids) if people else None
        if objects is None:
            objects = related_model._default_manager.in_bulk(ids)
        named[related_model] = {pk: str(obj) for pk, obj in objects.items()}
    return {f.attname: named.get(f.related_model, {}) for f in relations}


def _label(record, pk_name: str, people: dict[int, str]) -> str:
    person = people.get(getattr(record, "salesperson_id", None) or getattr(record, "user_id", None))
    name = getattr(record, "name", None)
    return " · ".join(part for part in (f"#{getattr(record, pk_name)}", person, name) if part)


def _text(field, value, people: dict[int, str]) -> str:
    """A value as a manager reads it: a person's name, a related object's name, a choice's label, Yes or No."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if value in people:
        return people[value]
    if field.is_relation:  # an object deleted since: its id is all there is
        return f"#{value}"
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, dt.datetime):
        return formats.date_format(timezone.localtime(value), "Y-m-d H:i")
    return str(value)
