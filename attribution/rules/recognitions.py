"""Recognitions (REC-NEW-2): the window, and whether the original salesperson recognised the client in time."""

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.utils.translation import gettext_lazy as _

from salesoffice.timeutil import add_months, end_of_day, local_day

from .facts import RECOGNITION_WINDOW_MONTHS, DealFact, ReassignmentFact, RegisteredVisit
from .register import _day, registered_owner

# --- recognitions (REC-NEW-2) ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecognitionVerdict:
    case: str  # "a" (same day: original takes over), "c" (within the month: 50/50), or "" when refused
    rule_ids: tuple[str, ...]
    message: object
    params: Mapping[str, str]

    @property
    def accepted(self) -> bool:
        return bool(self.case)

    @property
    def text(self) -> str:
        return str(self.message) % dict(self.params)


def recognition_window_end(new_visit_at: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    """One month after the visit served as new, to the end of that day (REC-NEW-2c).

    Applies: REC-NEW-2.
    """
    return end_of_day(add_months(local_day(new_visit_at, zone), RECOGNITION_WINDOW_MONTHS), zone)


def judge_recognition(
    *,
    original_salesperson_id: int,
    original_visits: Sequence[RegisteredVisit],
    new_visit_at: dt.datetime,
    new_salesperson_id: int,
    recognised_at: dt.datetime,
    deals: Sequence[DealFact],
    zone: ZoneInfo,
    names: Mapping[int, str],
    reassignments: Sequence[ReassignmentFact] = (),
) -> RecognitionVerdict:
    """REC-NEW-2 a-d for a recognition at `recognised_at` of a client served as new at `new_visit_at`. A salesperson
    the client was reassigned away from (REC-NEW-4c) has no claim from that instant on.

    Why one function: REC-NEW-2's cases read in the regulation's order (no claim, then b, a, c, d), one branch each,
    and the first that holds is the verdict; split, that order would be spread over several functions.

    Decides: REC-NEW-2.
    """
    params = {
        "original": names.get(original_salesperson_id, f"#{original_salesperson_id}"),
        "new": names.get(new_salesperson_id, f"#{new_salesperson_id}"),
        "visit": _day(new_visit_at, zone),
        "until": _day(recognition_window_end(new_visit_at, zone), zone),
    }
    if original_salesperson_id == new_salesperson_id:
        return RecognitionVerdict(
            "", ("REC-NEW-2",), _("%(original)s already serves this client: nothing to recognise."), params
        )
    refused = [r for r in reassignments if r.from_salesperson_id == original_salesperson_id and r.at <= recognised_at]
    if refused:
        params["day"] = _day(refused[0].at, zone)
        return RecognitionVerdict(
            "",
            ("REC-NEW-4c",),
            _(
                "The client refused %(original)s and was reassigned on %(day)s: from then on %(original)s has no "
                "right to the client, not even by recognising them."
            ),
            params,
        )
    held = registered_owner(original_visits, now=new_visit_at, zone=zone, reassignments=reassignments)
    if held.owner_id != original_salesperson_id:
        return RecognitionVerdict(
            "",
            ("REC-NEW-2", "ATT-REG-2"),
            _(
                "%(original)s had no valid registration of this client on %(visit)s, the day it was served as new, "
                "so has no claim."
            ),
            params,
        )
    visit_day = local_day(new_visit_at, zone)
    on_the_spot = [
        d for d in deals if local_day(d.signed_at, zone) == visit_day and new_visit_at <= d.signed_at <= recognised_at
    ]
    if on_the_spot:
        return RecognitionVerdict(
            "",
            ("REC-NEW-2b",),
            _(
                "%(new)s closed a deal on the spot on %(visit)s before any recognition: client and commission "
                "belong wholly to %(new)s. A later claim can only be taken to a dispute (ATT-DISP-1)."
            ),
            params,
        )
    if local_day(recognised_at, zone) == visit_day:
        return RecognitionVerdict(
            "a",
            ("REC-NEW-2a",),
            _("%(original)s recognised the client on the day of the visit (%(visit)s): %(original)s takes over."),
            params,
        )
    if recognised_at <= recognition_window_end(new_visit_at, zone):
        return RecognitionVerdict(
            "c",
            ("REC-NEW-2c",),
            _(
                "%(original)s recognised the client within one month of %(visit)s: %(new)s follows the client up "
                "and %(original)s and %(new)s share 50/50."
            ),
            params,
        )
    return RecognitionVerdict(
        "",
        ("REC-NEW-2d",),
        _(
            "The month after %(visit)s ended on %(until)s without a recognition: client and commission belong "
            "wholly to %(new)s."
        ),
        params,
    )
