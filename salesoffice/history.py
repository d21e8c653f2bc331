"""The audit history a manager can read: who changed what, when, field by field."""

from dataclasses import dataclass

from django.apps import apps
from django.contrib.auth.models import AbstractBaseUser
from django.core.paginator import Page, Paginator
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
    """One model's history, newest first, limited to the sites the user may see; three queries a page."""
    model = apps.get_model(model_label)
    history = model.history.model
    site_field = AUDITED[model_label]
    records = history.objects.select_related("history_user").order_by("-history_date", "-history_id")
    if not sees_all_sites(user):
        if site_field is None:
            records = records.none()
        else:
            records = records.filter(**{f"{site_field}__in": sites_for(user).values("pk")})
    page = Paginator(records, per_page).get_page(page_number)
    rows = list(page.object_list)
    previous = _previous_records(history, rows)
    actions = {"+": _("created"), "~": _("changed"), "-": _("deleted")}
    fields = [f for f in model._meta.fields if f.name not in ("id",)]
    people = _people_named(rows)
    result = []
    for record in rows:
        before = previous.get(record.history_id)
        changes = []
        if before is not None:
            for f in fields:
                old, new = getattr(before, f.attname, None), getattr(record, f.attname, None)
                if old != new:
                    changes.append((str(f.verbose_name), _text(old), _text(new)))
        result.append(
            HistoryRow(
                when=record.history_date,
                who=display_name(record.history_user) if record.history_user else _("system"),
                action=actions.get(record.history_type, record.history_type),
                model=str(model._meta.verbose_name),
                obj=_label(record, people),
                changes=changes,
            )
        )
    return page, result


def _previous_records(history, rows) -> dict:
    """The record just before each row of the page, fetched in one query."""
    if not rows:
        return {}
    object_ids = {r.id for r in rows}
    earlier = history.objects.filter(id__in=object_ids, history_date__lte=max(r.history_date for r in rows))
    by_object: dict = {}
    for record in earlier.order_by("id", "history_date", "history_id"):
        by_object.setdefault(record.id, []).append(record)
    previous = {}
    for row in rows:
        chain = by_object.get(row.id, [])
        for index, record in enumerate(chain):
            if record.history_id == row.history_id and index > 0:
                previous[row.history_id] = chain[index - 1]
    return previous


def _people_named(rows) -> dict[int, str]:
    from django.contrib.auth import get_user_model

    ids = {getattr(r, "salesperson_id", None) for r in rows} | {getattr(r, "user_id", None) for r in rows}
    ids.discard(None)
    return {u.pk: display_name(u) for u in get_user_model().objects.filter(pk__in=ids)} if ids else {}


def _label(record, people: dict[int, str]) -> str:
    person = people.get(getattr(record, "salesperson_id", None) or getattr(record, "user_id", None))
    name = getattr(record, "name", None)
    return " · ".join(part for part in (f"#{record.id}", person, name) if part)


def _text(value) -> str:
    return "—" if value is None or value == "" else str(value)
