"""Matching a client by phone (ATT-REG-3): normalised numbers, likely duplicates, the client record for phones."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext as _

from salesoffice.models import Site
from salesoffice.phones import normalise_phone

from ..models import Client, ClientPhone, VisitEntry
from .errors import RegisterError

# --- matching (ATT-REG-3) ----------------------------------------------------------------------------------


def normalise_phones(phones: list[str], *, field_name: str = "phones") -> list[tuple[str, str]]:
    """(as typed, E.164) for every non-empty phone; an invalid one is an error next to the field."""
    cleaned: list[tuple[str, str]] = []
    for raw in phones:
        raw = (raw or "").strip()
        if not raw:
            continue
        try:
            normalised = normalise_phone(raw)
        except ValidationError as exc:
            raise RegisterError({field_name: [_("%(phone)s is not a valid phone number.") % {"phone": raw}]}) from exc
        if normalised not in (n for _raw, n in cleaned):
            cleaned.append((raw, normalised))
    if not cleaned:
        raise RegisterError({field_name: [_("Enter the client's phone number.")]})
    return cleaned


def _similar_phone(a: str, b: str) -> bool:
    """One digit different, or two neighbouring digits swapped: the typing slips a duplicate hides behind."""
    if a == b or len(a) != len(b):
        return False
    diffs = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
    if len(diffs) == 1:
        return True
    return len(diffs) == 2 and diffs[1] == diffs[0] + 1 and a[diffs[0]] == b[diffs[1]] and a[diffs[1]] == b[diffs[0]]


def possible_duplicates(
    *, name: str, phones: list[str], id_number: str = "", exclude_client_id: int | None = None, site: Site | None = None
) -> list[Client]:
    """Clients who look like the same person (ATT-REG-3): same name and a similar phone, or the same ID number.
    Reads the phones of the first 50 clients of that name, and then only the clients that look alike: a few indexed
    reads whatever the size of the register, and no objects made for the many namesakes of a common name.
    With `site`, only clients on that site's register: another project's clients are not shown to this one."""
    candidates = Client.objects.all() if exclude_client_id is None else Client.objects.exclude(pk=exclude_client_id)
    if site is not None:
        candidates = candidates.filter(Exists(VisitEntry.objects.filter(client=OuterRef("pk"), site=site)))
    same_name = candidates.filter(name=name.strip()).order_by("pk")[:50]
    namesakes_phones = (
        ClientPhone.objects.filter(client__in=same_name.values("pk"))
        .order_by("client_id")
        .values_list("client_id", "phone_normalised")
    )
    alike = dict.fromkeys(
        client_id for client_id, phone in namesakes_phones if any(_similar_phone(phone, mine) for mine in phones)
    )
    if id_number.strip():
        same_id = candidates.filter(id_number=id_number.strip())[:20]
        alike.update(dict.fromkeys(same_id.values_list("pk", flat=True)))
    if not alike:
        return []
    found = Client.objects.in_bulk(list(alike))
    return [found[pk] for pk in alike]


def _client_for_phones(
    phones: list[tuple[str, str]], *, name: str, id_number: str, now: dt.datetime
) -> tuple[Client, bool]:
    """The one client these phones belong to, locked; or a new client holding them. Two registrations of the
    same new phone at once meet on ClientPhone's unique index: the loser re-reads and finds the winner's client."""
    normalised = [n for _raw, n in phones]
    for _attempt in range(3):
        owners = set(ClientPhone.objects.filter(phone_normalised__in=normalised).values_list("client_id", flat=True))
        if len(owners) > 1:
            raise RegisterError({"phones": [_("These phone numbers belong to different clients on the register.")]})
        if owners:
            client = Client.objects.select_for_update().get(pk=owners.pop())
            known = set(client.phones.values_list("phone_normalised", flat=True))
            try:
                with transaction.atomic():
                    for raw, n in phones:
                        if n not in known:
                            ClientPhone.objects.create(client=client, phone=raw, phone_normalised=n)
            except IntegrityError:
                continue
            return client, False
        try:
            with transaction.atomic():
                raw, first = phones[0]
                client = Client.objects.create(
                    name=name.strip(), phone=raw, phone_normalised=first, id_number=id_number.strip(), created_at=now
                )
                for raw, n in phones:
                    ClientPhone.objects.create(client=client, phone=raw, phone_normalised=n)
        except IntegrityError:
            continue  # someone registered one of these phones a moment ago: use their client
        client = Client.objects.select_for_update().get(pk=client.pk)
        return client, True
    raise RegisterError(_("The register is busy with this phone number; try again."))
