"""The facts `attribute` reads (recorded by the register, the desk and the project manager) and the results it
returns."""

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

REGISTRATION_VALID_MONTHS = 1  # ATT-REG-2
RECOGNITION_WINDOW_MONTHS = 1  # REC-NEW-2c/d

HUNDRED = Decimal(100)

SALESPERSON = "salesperson"
REFERRER = "referrer"
PUBLIC_POOL = "public_pool"


# --- facts -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RegisteredVisit:
    """A register entry as the rules see it. `registered_at` orders conflicting registrations (ATT-REG-3);
    `approved_at` is None until the project manager approves it (and stays None when rejected)."""

    entry_id: int
    salesperson_id: int
    registered_at: dt.datetime
    approved_at: dt.datetime | None
    visited_at: dt.datetime | None = None
    rejected: bool = False
    source: str = ""  # VisitEntry.Source value; "employee_referral" is a visit registered as a referral's (ATT-EMP-3)

    @property
    def visit_instant(self) -> dt.datetime:
        return self.visited_at or self.registered_at


@dataclass(frozen=True)
class ReassignmentFact:
    """REC-NEW-4c: a new client refused `from_salesperson_id` and the manager reassigned them by the rota, at `at`,
    to `to_salesperson_id` (None while the client waits for someone to come free)."""

    at: dt.datetime
    from_salesperson_id: int
    to_salesperson_id: int | None = None


@dataclass(frozen=True)
class RecognitionFact:
    """REC-NEW-2: `original_salesperson_id` recognised (or was recognised by) the client at `recognised_at`;
    `original_visits` are the register entries of the original salesperson's client record."""

    id: int
    original_salesperson_id: int
    recognised_at: dt.datetime
    original_visits: tuple[RegisteredVisit, ...] = ()
    original_reassignments: tuple[ReassignmentFact, ...] = ()  # REC-NEW-4c on the original client record


@dataclass(frozen=True)
class ReferralFact:
    id: int
    referrer_id: int
    appointment_date: dt.date
    registered_at: dt.datetime
    confirmed_at: dt.datetime | None = None


@dataclass(frozen=True)
class CompanyFact:
    id: int
    kind: str  # CompanyClientMark.Kind value
    contacted_at: dt.datetime
    marked_at: dt.datetime
    designated_salesperson_id: int | None = None


@dataclass(frozen=True)
class IntroductionFact:
    id: int
    introducer_id: int
    mode: str  # "a", "b" or "c" (ATT-REF-OLD)
    marked_at: dt.datetime
    declared_at: dt.datetime | None = None


@dataclass(frozen=True)
class SpouseFact:
    id: int
    spouse_client_id: int
    marked_at: dt.datetime
    spouse_visits: tuple[RegisteredVisit, ...] = ()


@dataclass(frozen=True)
class SwitchFact:
    """A manager assigned the salesperson the client insisted on (REC-DES-2 for a new client, REC-DES-3 for a
    returning one). `instigated` is the manager's finding when the switch was decided; `instigated_at` the instant
    the sales manager found it later, with `instigation_reason` (REC-DES-2's Decision)."""

    at: dt.datetime
    first_receiver_id: int
    named_id: int
    returning: bool
    instigated: bool = False
    instigated_at: dt.datetime | None = None
    instigation_reason: str = ""

    @property
    def found_instigated_at(self) -> dt.datetime | None:
        """When the named salesperson was established to have instigated the switch, if ever."""
        return self.at if self.instigated else self.instigated_at


@dataclass(frozen=True)
class DealFact:
    id: int
    salesperson_id: int | None  # None: a deal the company arranged, no salesperson took part (ATT-CO-5)
    signed_at: dt.datetime


@dataclass(frozen=True)
class DisputeFact:
    id: int
    written_at: dt.datetime
    decided_at: dt.datetime | None
    approved: bool | None
    shares: tuple[tuple[int | None, Decimal], ...] = ()  # (salesperson id, or None for the public pool; percent)


@dataclass(frozen=True)
class ClientFacts:
    client_id: int
    visits: tuple[RegisteredVisit, ...]
    recognitions: tuple[RecognitionFact, ...] = ()
    referrals: tuple[ReferralFact, ...] = ()
    company: tuple[CompanyFact, ...] = ()
    introductions: tuple[IntroductionFact, ...] = ()
    spouses: tuple[SpouseFact, ...] = ()
    switches: tuple[SwitchFact, ...] = ()
    reassignments: tuple[ReassignmentFact, ...] = ()
    deals: tuple[DealFact, ...] = ()
    disputes: tuple[DisputeFact, ...] = ()
    names: Mapping[int, str] = field(default_factory=dict)

    def name(self, user_id: int | None) -> str:
        if user_id is None:
            return str(_("the public pool"))
        return self.names.get(user_id) or f"#{user_id}"


# --- results -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One line of the ownership timeline: when, which rule, and a sentence (rendered in the reader's language
    when shown, so the same result reads right in Chinese and English)."""

    at: dt.datetime
    rule_ids: tuple[str, ...]
    message: object  # a lazy translation with %(name)s placeholders
    params: Mapping[str, str] = field(default_factory=dict)
    outcome: str = "applied"  # "applied", "rejected" or "info"

    @property
    def text(self) -> str:
        return str(self.message) % dict(self.params) if self.params else str(self.message)

    def __str__(self) -> str:
        return f"{self.text} ({', '.join(self.rule_ids)})"


@dataclass(frozen=True)
class Share:
    kind: str  # SALESPERSON, REFERRER or PUBLIC_POOL
    user_id: int | None
    percent: Decimal
    rule_ids: tuple[str, ...]


@dataclass(frozen=True)
class Ownership:
    """Who holds the client by the register alone (ATT-REG-2/3)."""

    owner_id: int | None
    valid_until: dt.datetime | None
    first_registered_at: dt.datetime | None
    rule_ids: tuple[str, ...]
    explanation: str
    first_visit_at: dt.datetime | None = None


@dataclass(frozen=True)
class Attribution:
    owner_id: int | None  # who the client belongs to on the register, after recognitions and introductions
    follow_up_id: int | None  # who serves and follows the client up (REC-RET-1 routes returning clients here)
    valid_until: dt.datetime | None
    shares: tuple[Share, ...]
    on_hold: bool  # ATT-DISP-1: an opinion awaits the sales director
    steps: tuple[Step, ...]

    @property
    def rule_ids(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for step in self.steps:
            if step.outcome == "applied":
                seen.update(dict.fromkeys(step.rule_ids))
        return tuple(seen)

    @property
    def salesperson_ids(self) -> tuple[int, ...]:
        return tuple(s.user_id for s in self.shares if s.kind == SALESPERSON and s.user_id is not None)

    def share_of(self, kind: str, user_id: int | None = None) -> Decimal:
        return sum((s.percent for s in self.shares if s.kind == kind and s.user_id == user_id), Decimal(0))
