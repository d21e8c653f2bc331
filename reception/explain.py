"""Sentences for rota events, rendered in the reader's language from the stored kind and parameters."""

from functools import cache

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from .models import RotaEvent


def _templates() -> dict[str, str]:
    return _templates_in(get_language())


@cache
def _templates_in(language: str | None) -> dict[str, str]:
    # One dict per language, translated once: a board of a dozen events would otherwise translate all ~40
    # sentences per event per render. The catalogs never change while the process runs.
    return {**_rota_turn_sentences(), **_arrival_sentences(), **_presence_sentences(), **_change_sentences()}


def _rota_turn_sentences() -> dict[str, str]:
    """A walk-in by the rota: whose turn it is, and who is passed over and why."""
    return {
        "turn_taken": _("%(name)s takes the walk-in: next in the rota"),
        "priority_used": _("%(name)s takes the walk-in on a priority slot, ahead of the order"),
        "skip_forfeit_busy": _("%(name)s's turn passed to %(to)s: busy with a client, no make-up"),
        "skip_forfeit_away": _("%(name)s's turn passed to %(to)s: not at post without a valid reason, no make-up"),
        "skip_forfeit_not_ready": _(
            "%(name)s's turn passed to %(to)s: has not passed today's readiness check, no make-up"
        ),
        "skip_slot_kept_away_excused": _(
            "%(name)s's turn passed to %(to)s while on approved extra work: a priority slot is kept"
        ),
        "skip_slot_pending_away_pending": _(
            "%(name)s's turn passed to %(to)s while on extra work: the priority slot awaits the project "
            "manager's approval"
        ),
        "skip_passed_over_excused_away_excused": _(
            "%(name)s passed over while on approved extra work (priority slot already held)"
        ),
        "skip_passed_over_excused_away_pending": _(
            "%(name)s passed over while on extra work (priority slot already awaiting approval)"
        ),
        "client_waiting": _("Everyone eligible is busy: the client waits and nobody forfeits"),
        "waiting_served": _("%(name)s is free and takes the waiting client"),
        "old_client_intro_new": _("A client introduced by an old client is received as new, by the rota"),
    }


def _arrival_sentences() -> dict[str, str]:
    """The other arrivals and how a reception ends: designated, returning, duty, voided, left."""
    return {
        "designated": _("%(name)s receives a client who asked for them (recorded by %(by)s): not a rota turn"),
        "designated_wait": _(
            "The client asked for %(name)s, who is busy (recorded by %(by)s): the client waits for them"
        ),
        # Designated arrivals recorded before the person who recorded them was kept in the event's parameters.
        "designated:no_by": _("%(name)s receives a client who asked for them: not a rota turn"),
        "designated_wait:no_by": _("The client asked for %(name)s, who is busy: the client waits for them"),
        "returning_owner": _("Returning client %(client)s goes to the owner, %(name)s"),
        "returning_wait": _("Returning client %(client)s waits for the owner, %(name)s, who is busy"),
        "duty_reception": _("%(name)s, last in the rota, gives a duty reception for %(owner)s's client (not a turn)"),
        "duty_wait": _("%(owner)s's client waits: nobody is free for the duty reception"),
        "duty_slot": _("%(name)s earns a priority slot for the next walk-in after the duty reception"),
        "one_reception_party": _("An old client with %(count)s new client(s) counts as one reception"),
        "reception_ended": _("%(name)s saw the client out"),
        "reception_voided": _("%(by)s voided %(name)s's reception recorded by mistake: %(reason)s; the rota is back"),
        "reception_voided:no_name": _("%(by)s voided a waiting client recorded by mistake: %(reason)s"),
        "client_left": _("The waiting client %(client)s left without being served after %(minutes)s min"),
        "client_left:no_client": _("A waiting client left without being served after %(minutes)s min"),
    }


def _presence_sentences() -> dict[str, str]:
    """Who is at post and ready, and the supervisor's changes to the order and the roster."""
    return {
        "away_unexcused": _("%(name)s left the post"),
        "away_extra_work": _("%(name)s is away on extra work (%(detail)s), pending approval"),
        "away_extra_work:no_detail": _("%(name)s is away on extra work, pending approval"),
        "back_at_post": _("%(name)s is back at post"),
        "absence_approved": _("The project manager approved %(name)s's extra work: the priority slot holds"),
        "absence_rejected": _("The project manager rejected %(name)s's extra work: a passed turn is forfeit"),
        "ready": _("%(name)s passed the readiness check"),
        "not_ready": _("%(name)s failed the readiness check and takes no turns until passed"),
        "violation": _("Violation recorded against %(name)s"),
        "rota_swap": _("%(by)s swapped %(name)s and %(other)s: %(reason)s"),
        # Swaps recorded before the person who made them was kept in the event's parameters.
        "rota_swap:no_by": _("The supervisor swapped %(name)s and %(other)s: %(reason)s"),
        "roster_set": _("Duty roster for %(day)s set: %(count)s on duty"),
    }


def _change_sentences() -> dict[str, str]:
    """A change of salesperson the client asked for, as the sales manager decided it."""
    return {
        "change_refused": _("Change of salesperson refused: %(name)s is not at fault"),
        "change_general_fault": _("%(name)s continues the reception; a violation was recorded"),
        "change_bye": _("%(name)s loses the client; the reception counts as a bye"),
        "change_slot": _("%(name)s is granted a priority slot after the bye"),
        "switched_to_named": _(
            "The client insisted: the sales manager assigned %(name)s; %(first)s stays the first receiver "
            "(not a rota turn)"
        ),
        "switched_to_named_duty": _(
            "The returning client insisted: %(name)s gives a duty reception; the client stays %(first)s's"
        ),
    }


class _Params(dict):
    def __missing__(self, key: str) -> str:
        return "?"


# A parameter that, when empty or missing, calls for the kind's other wording (no empty brackets, no "?").
_VARIANTS = {
    "away_extra_work": ("detail", "no_detail"),
    "rota_swap": ("by", "no_by"),
    "designated": ("by", "no_by"),
    "designated_wait": ("by", "no_by"),
    "reception_voided": ("name", "no_name"),
    "client_left": ("client", "no_client"),
}


def _template_for(event: RotaEvent) -> str:
    templates = _templates()
    variant = _VARIANTS.get(event.kind)
    if variant and not event.params.get(variant[0]):
        return templates[f"{event.kind}:{variant[1]}"]
    return templates.get(event.kind, event.kind)


def describe(event: RotaEvent, *, with_rule: bool = True) -> str:
    """The event as a sentence, ending with the clause that decided it (unless the page shows the clause apart)."""
    template = _template_for(event)
    try:
        sentence = template % _Params(event.params)
    except (TypeError, ValueError):
        sentence = template
    return f"{sentence} — {event.rule_id}" if with_rule else sentence
