"""Desk pages after the QA walkthrough: the rota's moves say why, the board links receptions to the register, and
its sentences read well."""

import re

import time_machine
from django.urls import reverse
from django.utils import translation

from reception import services
from reception.explain import describe
from reception.models import Absence, RotaEvent, RotaMember
from salesoffice.models import Notification
from salesoffice.notifications import describe as describe_note
from salesoffice.roles import Role

from ..conftest import at, key, make_user, open_desk
from . import test_views
from .test_views import HTMX, text_of, url

# The desk views' fixtures: the clock at 2 March 10:00, the supervisor signed in, in English.
clock = test_views.clock
desk_client = test_views.desk_client


def order(site) -> list[str]:
    return list(
        RotaMember.objects.filter(site=site, active=True)
        .order_by("position")
        .values_list("salesperson__username", flat=True)
    )


# --- REC-ROT-3: a move on the rota page says why ----------------------------------------------------------------


def test_a_move_without_a_reason_changes_nothing_and_says_so_at_the_reason(
    clock, site, salespeople, desk_client, django_assert_num_queries
):
    bob = RotaMember.objects.get(site=site, salesperson__username="bob")
    with django_assert_num_queries(25):
        page = desk_client.post(url("rota_up"), {"member": bob.pk, "move-reason": "  "})
    assert page.status_code == 200
    assert page.context["move_form"].errors["reason"] == ["This field is required."]
    assert 'id="error_1_id_move-reason"' in page.content.decode() or "invalid-feedback" in page.content.decode()
    assert order(site) == ["ann", "bob", "cat", "dan", "eve"]
    assert not RotaEvent.objects.filter(kind="rota_swap").exists()


def test_a_move_keeps_the_supervisors_reason(
    clock, site, salespeople, supervisor, desk_client, django_assert_max_num_queries, django_assert_num_queries
):
    bob = RotaMember.objects.get(site=site, salesperson__username="bob")
    with django_assert_max_num_queries(25):
        moved = desk_client.post(url("rota_up"), {"member": bob.pk, "move-reason": "Ann trains the new hire"})
    assert moved.status_code == 302
    assert order(site) == ["bob", "ann", "cat", "dan", "eve"]
    event = RotaEvent.objects.get(kind="rota_swap")
    assert (event.params["reason"], event.actor) == ("Ann trains the new hire", supervisor)
    down = desk_client.post(url("rota_down"), {"member": bob.pk, "move-reason": "back as it was"})
    assert down.status_code == 302 and order(site) == ["ann", "bob", "cat", "dan", "eve"]


def test_the_rota_page_offers_one_reason_field_for_the_move_buttons(
    clock, site, salespeople, desk_client, django_assert_num_queries
):
    with django_assert_num_queries(24):
        html = desk_client.get(url("rota")).content.decode()
    form = html[html.index('id="move-form"') : html.index("</form>", html.index('id="move-form"'))]
    assert 'name="move-reason"' in form
    up, down = url("rota_up"), url("rota_down")
    assert form.count(f'formaction="{up}" name="member"') == 5 and form.count(f'formaction="{down}" name="member"') == 5


# --- The board links a reception to the visit register ----------------------------------------------------------


def test_a_busy_salespersons_reception_links_to_the_register_for_those_who_may_register(
    clock, site, salespeople, supervisor, client, django_assert_max_num_queries, django_assert_num_queries
):
    open_desk(site, salespeople, supervisor, at(2, 9))
    reception = services.walk_in_arrive(
        site=site, actor=supervisor, request_key=key(), now=at(2, 9, 30), client_label="Mr Chen"
    ).reception
    link = f'href="{reverse("attribution:register", kwargs={"site": "riverside"})}?reception={reception.pk}"'
    client.force_login(supervisor)
    with django_assert_max_num_queries(20):
        mine = client.get(url("board_state"), headers=HTMX).content.decode()
    assert link in mine
    # The assistant sees the board but may not register: the same desk version, another cache entry.
    client.force_login(make_user("assistant", Role.SALES_ASSISTANT, [site]))
    with django_assert_num_queries(13):
        theirs = client.get(url("board_state"), headers=HTMX).content.decode()
    assert 'id="board-body"' in theirs and link not in theirs
    # ... and back: the supervisor's cached board still has it.
    client.force_login(supervisor)
    with django_assert_num_queries(4):
        assert link in client.get(url("board_state"), headers=HTMX).content.decode()
    # The link opens the register for this reception.
    with django_assert_num_queries(7):
        assert client.get(link[6:-1]).context["reception"] == reception


def test_a_waiting_reception_reads_waiting_once(
    clock, site, salespeople, supervisor, desk_client, django_assert_num_queries
):
    open_desk(site, salespeople, supervisor, at(2, 9))
    for n in range(5):
        services.walk_in_arrive(site=site, actor=supervisor, request_key=key(), now=at(2, 9, 30 + n))
    services.walk_in_arrive(site=site, actor=supervisor, request_key=key(), now=at(2, 9, 40), client_label="Ms Li")
    with django_assert_num_queries(13):
        html = desk_client.get(url("board_state"), headers=HTMX).content.decode()
    listed = html[
        html.index('data-testid="receptions-today"') : html.index("</ul>", html.index('data-testid="receptions-today"'))
    ]
    today = " ".join(re.sub(r"<[^>]+>", " ", listed).split())
    assert "09:40 · New walk-in by the rota · Waiting · Ms Li" in today
    assert "waiting · waiting" not in today.lower()


# --- Sentences ----------------------------------------------------------------------------------------------------


def test_extra_work_without_detail_has_no_empty_brackets_on_the_board_or_in_the_note(
    site, salespeople, supervisor, project_manager, client
):
    with translation.override("en"):
        services.absence_start(
            site=site,
            salesperson=salespeople[0],
            reason=Absence.Reason.EXTRA_WORK,
            detail="",
            actor=supervisor,
            now=at(2, 10),
        )
        services.absence_approval_reminders(now=at(2, 10, 1))
        event = RotaEvent.objects.get(kind="away_extra_work")
        assert describe(event) == "Ann is away on extra work, pending approval — REC-ROT-5"
        note = Notification.objects.get(recipient=project_manager)
        assert describe_note(note) == "Ann is away on extra work at Riverside and awaits your approval — REC-ROT-5"


def test_the_pending_note_says_how_the_absence_was_decided_and_is_read(site, salespeople, supervisor, project_manager):
    absence = services.absence_start(
        site=site,
        salesperson=salespeople[0],
        reason=Absence.Reason.EXTRA_WORK,
        detail="bank",
        actor=supervisor,
        now=at(2, 10),
    )
    services.absence_approval_reminders(now=at(2, 10, 1))
    with translation.override("en"):
        note = Notification.objects.get(recipient=project_manager)
        assert (
            describe_note(note) == "Ann is away on extra work (bank) at Riverside and awaits your approval — REC-ROT-5"
        )
        services.absence_decide(absence=absence, approve=True, actor=project_manager, now=at(2, 10, 5))
        note.refresh_from_db()
        assert describe_note(note) == "Ann's extra work at Riverside was approved — REC-ROT-5"
    assert note.read_at == at(2, 10, 5)


def test_a_swap_names_who_made_it_and_the_log_shows_the_clause_once(
    clock, site, salespeople, supervisor, desk_client, django_assert_max_num_queries, django_assert_num_queries
):
    bob = RotaMember.objects.get(site=site, salesperson__username="bob")
    desk_client.post(url("rota_up"), {"member": bob.pk, "move-reason": "Ann trains the new hire"})
    with django_assert_max_num_queries(20):
        log = desk_client.get(url("events"))
    line = [sentence for _event, sentence in log.context["rows"]][0]
    assert line in (
        "Supervisor swapped Bob and Ann: Ann trains the new hire",
        "Supervisor swapped Ann and Bob: Ann trains the new hire",
    )
    assert log.content.decode().count("REC-ROT-3") == 1


def test_an_old_swap_without_its_maker_still_reads(site, salespeople):
    event = RotaEvent(
        site=site,
        at=at(2, 10),
        kind="rota_swap",
        rule_id="REC-ROT-3",
        params={"name": "Ann", "other": "Bob", "reason": "x"},
    )
    with translation.override("en"):
        assert describe(event) == "The supervisor swapped Ann and Bob: x — REC-ROT-3"


def test_seeing_the_client_out_cites_rec_new_5(site, salespeople, supervisor):
    open_desk(site, salespeople, supervisor, at(2, 9))
    reception = services.walk_in_arrive(site=site, actor=supervisor, request_key=key(), now=at(2, 9, 30)).reception
    services.reception_end(reception=reception, actor=supervisor, now=at(2, 9, 50))
    assert RotaEvent.objects.get(kind="reception_ended").rule_id == "REC-NEW-5"


def test_the_lunch_card_shows_the_lunch_hours_not_the_clock(
    site, salespeople, supervisor, desk_client, django_assert_num_queries
):
    with time_machine.travel(at(2, 16, 54), tick=False), django_assert_num_queries(18):
        text = text_of(desk_client.get(url("board_state"), headers=HTMX), "board-body")
    assert "Lunch hours 12:00–13:30" in text and "16:54" not in text
