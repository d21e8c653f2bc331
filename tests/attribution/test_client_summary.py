"""The client list's summary of each client on a site (ClientSiteSummary, ClientSiteViewer) follows the register:
every registration, review and correction rebuilds it in its own transaction, and it agrees with the rules
(ATT-REG-1..3) at any instant after what is on record."""

import datetime as dt

import pytest

from attribution import rules, services
from attribution.models import ClientSiteSummary, ClientSiteViewer
from attribution.selectors import client_list, registered_owners
from salesoffice.roles import Role

from ..conftest import SHANGHAI, at, make_user
from .conftest import approve, register, registered


def summary_of(client, site):
    return ClientSiteSummary.objects.get(client=client, site=site)


def viewers_of(client, site):
    return set(ClientSiteViewer.objects.filter(client=client, site=site).values_list("user__username", flat=True))


def held(summary, now):
    """Who holds the client at `now` by the summary, as the list's filters read it."""
    return summary.owner_id if summary.valid_until is not None and now <= summary.valid_until else None


def test_a_registration_is_summarised_and_holds_once_approved_ATT_REG_1_2(site, salespeople, project_manager):
    ann = salespeople[0]
    result = register(site, ann, at(3, 10))

    summary = summary_of(result.client, site)
    assert (summary.entries, summary.registered) == (1, True)
    assert summary.first_registered_at == summary.last_registered_at == at(3, 10)
    assert summary.owner_id is None  # pending: holds nothing (ATT-REG-1)
    assert viewers_of(result.client, site) == {"ann"}

    approve(result.entry, project_manager, at(3, 18))
    summary = summary_of(result.client, site)
    assert summary.owner_id == ann.pk
    assert summary.valid_until == rules.registration_valid_until(at(3, 10), SHANGHAI)  # end of 3 April


def test_the_owners_revisit_renews_and_another_salesperson_after_the_lapse_takes_over_ATT_REG_2_3(
    site, salespeople, project_manager
):
    ann, bob = salespeople[:2]
    client = registered(site, ann, project_manager, at(3, 10))
    approve(register(site, ann, at(20, 10)).entry, project_manager, at(20, 18))
    summary = summary_of(client, site)
    assert (summary.entries, summary.owner_id) == (2, ann.pk)
    assert summary.valid_until == rules.registration_valid_until(at(20, 10), SHANGHAI)

    later = at(25, 10, month=4)  # ann's registration ran out on 20 April
    approve(register(site, bob, later).entry, project_manager, later + dt.timedelta(hours=6))
    summary = summary_of(client, site)
    assert (summary.entries, summary.owner_id, summary.last_registered_at) == (3, bob.pk, later)
    assert summary.first_registered_at == at(3, 10)
    assert viewers_of(client, site) == {"ann", "bob"}


def test_a_rejected_entry_holds_nothing(site, salespeople, project_manager):
    entry = register(site, salespeople[0], at(3, 10)).entry
    services.visit_review(entry=entry, actor=project_manager, approve=False, reason="Not a visit", now=at(3, 18))
    summary = summary_of(entry.client, site)
    assert (summary.entries, summary.owner_id, summary.valid_until) == (1, None, None)


def test_a_duty_reception_shows_the_client_to_the_receiver_and_the_writer_REC_RET_2(
    site, salespeople, supervisor, project_manager
):
    ann, bob = salespeople[:2]
    client = registered(site, ann, project_manager, at(3, 10))
    register(site, ann, at(10, 10), actor=supervisor, received_by=bob)
    assert viewers_of(client, site) == {"ann", "bob", "supervisor"}
    assert set(ClientSiteViewer.objects.filter(client=client).values_list("last_registered_at", flat=True)) == {
        at(10, 10)
    }


def test_an_approved_correction_moves_the_holder_and_keeps_the_place_ATT_REG_1(site, salespeople, project_manager):
    ann, bob = salespeople[:2]
    entry = register(site, ann, at(3, 10), actor=project_manager).entry
    approve(entry, make_user("pm2", Role.PROJECT_MANAGER, [site]), at(3, 18))

    correction = services.visit_correct(
        entry=entry, actor=project_manager, salesperson=bob, note="served by Bob", now=at(4, 9)
    )
    summary = summary_of(entry.client, site)
    assert (summary.entries, summary.owner_id, summary.last_registered_at) == (2, ann.pk, at(4, 9))
    assert viewers_of(entry.client, site) == {"ann", "bob", "pm"}

    approve(correction, make_user("pm3", Role.PROJECT_MANAGER, [site]), at(4, 18))
    summary = summary_of(entry.client, site)
    assert summary.owner_id == bob.pk
    assert summary.valid_until == rules.registration_valid_until(at(3, 10), SHANGHAI)  # from the visit day


def test_a_referral_lists_the_client_before_any_visit_ATT_EMP_1(site, supervisor):
    referral = services.referral_register(
        site=site,
        actor=supervisor,
        name="Mr Huang",
        phone="13800138001",
        appointment_date=dt.date(2026, 3, 9),
        now=at(4, 9),
    )
    summary = summary_of(referral.client, site)
    assert (summary.entries, summary.registered, summary.last_registered_at, summary.owner_id) == (0, False, None, None)
    assert not viewers_of(referral.client, site)


def test_the_summary_agrees_with_the_rules_at_every_instant_after_the_writes_ATT_REG_2_3(
    site, other_site, salespeople, project_manager
):
    ann, bob, cat = salespeople[:3]
    pm, pm2 = project_manager, make_user("pm2", Role.PROJECT_MANAGER, [site])
    # Ann holds Mr Huang from 3 March; her revisit of 10 March, corrected to Bob, is Bob's entry made while she holds
    # the client: ignored (ATT-REG-3), so nothing renews her registration past 3 April.
    huang = registered(site, ann, pm, at(3, 10), phone="13800138001", name="Mr Huang")
    revisit = register(site, ann, at(10, 10), phone="13800138001").entry
    approve(revisit, pm, at(10, 18))
    correction = services.visit_correct(entry=revisit, actor=pm, salesperson=bob, note="served by Bob", now=at(11, 9))
    approve(correction, pm2, at(11, 18))
    # Mr Li: Bob in January, then Cat once Bob's month has run out.
    li = registered(site, bob, pm, at(1, 10, month=1), phone="13900139001", name="Mr Li")
    registered(site, cat, pm, at(5, 10), phone="13900139001")
    # Mr Old lapsed long ago; Mr New awaits approval.
    old = registered(site, cat, pm, at(5, 10, month=1), phone="13700137001", name="Mr Old")
    new = register(site, ann, at(19, 10), phone="13600136001", name="Mr New").client
    clients = [huang, li, old, new]

    summaries = {s.client_id: s for s in ClientSiteSummary.objects.filter(site=site)}
    assert set(summaries) == {c.pk for c in clients}
    assert held(summaries[huang.pk], at(3, 23, 59, month=4)) == ann.pk
    for now in [at(20, 10), at(3, 23, 59, month=4), at(4, 0, 1, month=4), at(6, 12, month=4), at(1, 9, month=6)]:
        by_rules = registered_owners(client_ids=[c.pk for c in clients], site=site, now=now)
        assert {pk: held(s, now) for pk, s in summaries.items()} == {pk: o.owner_id for pk, o in by_rules.items()}
        assert all(summaries[pk].valid_until == o.valid_until for pk, o in by_rules.items() if o.owner_id)
    assert not ClientSiteSummary.objects.filter(site=other_site).exists()


def test_rebuilding_gives_the_same_rows(site, salespeople, project_manager, supervisor):
    ann, bob = salespeople[:2]
    registered(site, ann, project_manager, at(3, 10), phone="13800138001")
    register(site, bob, at(5, 10), phone="13900139001", actor=supervisor, received_by=ann)
    before = list(ClientSiteSummary.objects.order_by("client_id").values())
    viewers = set(ClientSiteViewer.objects.values_list("client_id", "site_id", "user_id", "last_registered_at"))
    ClientSiteSummary.objects.all().delete()
    ClientSiteViewer.objects.all().delete()

    assert services.client_summaries_rebuild(site=site) == 2
    assert [{**row, "id": None} for row in ClientSiteSummary.objects.order_by("client_id").values()] == [
        {**row, "id": None} for row in before
    ]
    assert set(ClientSiteViewer.objects.values_list("client_id", "site_id", "user_id", "last_registered_at")) == viewers


@pytest.mark.parametrize("status", ["valid", "free"])
def test_the_status_filters_follow_the_lapse_to_the_minute_ATT_REG_2(status, site, salespeople, project_manager):
    client = registered(site, salespeople[0], project_manager, at(3, 10))
    last_minute, lapsed = at(3, 23, 59, month=4), at(4, 0, 0, month=4)

    def listed(now):
        return [s.client_id for s in client_list(site=site, user=project_manager, now=now, status=status)]

    assert (listed(last_minute), listed(lapsed)) == (([client.pk], []) if status == "valid" else ([], [client.pk]))
