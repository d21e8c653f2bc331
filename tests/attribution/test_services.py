"""The register's services on PostgreSQL: registration, approval, corrections, recognitions, marks, referrals,
disputes (ATT-*, REC-NEW-2). Each refusal leaves nothing behind and says which clause refused it."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction

from attribution import services
from attribution.models import (
    Client,
    ClientPhone,
    CompanyClientMark,
    PendingReview,
    Recognition,
    Referral,
    VisitApproval,
    VisitEntry,
)
from attribution.rules import PUBLIC_POOL, REFERRER, SALESPERSON
from attribution.selectors import client_attribution
from commission.models import Deal
from salesoffice.roles import Role

from ..conftest import at, make_user

PHONE = "13800138001"


def text(error: ValidationError) -> str:
    return " ".join(str(m) for m in error.messages)


@pytest.fixture
def director(site):
    return make_user("director", Role.SALES_DIRECTOR, [site])


def register(site, salesperson, when, *, phone=PHONE, name="Mr Huang", actor=None, **extra):
    return services.visit_register(
        site=site, actor=actor or salesperson, salesperson=salesperson, name=name, phones=[phone], now=when, **extra
    )


def approve(entry, pm, when):
    return services.visit_review(entry=entry, actor=pm, approve=True, now=when)


def registered(site, salesperson, pm, when, **kw):
    result = register(site, salesperson, when, **kw)
    approve(result.entry, pm, when + dt.timedelta(hours=6))
    return result.client


def deal(site, client, salesperson, when):
    return Deal.objects.create(
        site=site,
        client=client,
        salesperson=salesperson,
        unit="A-1201",
        signed_at=when,
        price=Decimal("2000000.00"),
        commission=Decimal("20000.00"),
        recorded_by=salesperson,
        recorded_at=when,
    )


class TestRegistration:
    def test_new_client_is_registered_pending_approval_ATT_REG_1(self, site, salespeople, project_manager):
        ann = salespeople[0]
        result = register(site, ann, at(3, 10), phone="138 0013 8001")
        assert result.created_client
        assert result.client.phones.get().phone_normalised == "+8613800138001"
        assert client_attribution(client=result.client, site=site, now=at(3, 11)).owner_id is None
        approve(result.entry, project_manager, at(3, 18))
        assert client_attribution(client=result.client, site=site, now=at(3, 19)).owner_id == ann.pk

    def test_invalid_phone_is_a_field_error_and_saves_nothing(self, site, salespeople):
        with pytest.raises(services.RegisterError) as caught:
            register(site, salespeople[0], at(3, 10), phone="12345")
        assert "phones" in caught.value.message_dict
        assert not Client.objects.exists() and not VisitEntry.objects.exists()

    def test_client_held_by_another_is_refused_with_whose_and_until_when_ATT_REG_3(
        self, site, salespeople, project_manager
    ):
        ann, bob = salespeople[:2]
        registered(site, ann, project_manager, at(3, 10))
        with pytest.raises(services.RegisterError) as caught:
            register(site, bob, at(20, 10))
        message = " ".join(caught.value.message_dict["phones"])
        assert "Ann" in message and "2026-04-03" in message and "ATT-REG-3" in message
        assert VisitEntry.objects.count() == 1

    def test_a_pending_entry_never_stops_another_visit_from_being_recorded_ATT_REG_1(self, site, salespeople):
        # Formerly refused (issue 14): an entry awaiting approval blocks nobody; the earlier wins if approved.
        ann, bob = salespeople[:2]
        first = register(site, ann, at(3, 10))
        second = register(site, bob, at(3, 11))
        assert second.client == first.client and not second.created_client

    def test_after_the_lapse_the_next_registration_makes_a_new_owner_ATT_REG_2(
        self, site, salespeople, project_manager
    ):
        ann, bob = salespeople[:2]
        client = registered(site, ann, project_manager, at(3, 10))
        registered(site, bob, project_manager, at(4, 9, month=4))  # Ann's month ended with 3 April
        assert client_attribution(client=client, site=site, now=at(5, 9, month=4)).owner_id == bob.pk

    def test_owner_revisit_renews_ATT_REG_2(self, site, salespeople, project_manager):
        ann = salespeople[0]
        client = registered(site, ann, project_manager, at(3, 10))
        registered(site, ann, project_manager, at(1, 10, month=4))
        result = client_attribution(client=client, site=site, now=at(20, 10, month=4))
        assert result.owner_id == ann.pk and result.valid_until.date() == dt.date(2026, 5, 1)

    def test_near_duplicates_are_flagged_same_name_similar_phone_ATT_REG_3(self, site, salespeople, project_manager):
        ann, bob = salespeople[:2]
        first = registered(site, ann, project_manager, at(3, 10), phone="13800138001", name="Huang Wei")
        result = register(site, bob, at(5, 10), phone="13800138010", name="Huang Wei")  # last two digits swapped
        assert [d.pk for d in result.possible_duplicates] == [first.pk]
        assert result.entry.possible_duplicates == [{"id": first.pk, "name": "Huang Wei", "phone": "13800138001"}]
        other = register(site, bob, at(5, 11), phone="13900139999", name="Huang Wei")
        assert other.possible_duplicates == []

    def test_same_id_number_is_flagged(self, site, salespeople):
        register(site, salespeople[0], at(3, 10), id_number="310101199001011234")
        result = register(
            site, salespeople[1], at(3, 11), phone="13900139000", name="X", id_number="310101199001011234"
        )
        assert len(result.possible_duplicates) == 1

    def test_phones_of_two_clients_in_one_registration_are_refused(self, site, salespeople):
        register(site, salespeople[0], at(3, 10), phone="13800138001")
        register(site, salespeople[0], at(3, 10), phone="13900139000", name="Other")
        with pytest.raises(services.RegisterError, match="different clients"):
            services.visit_register(
                site=site,
                actor=salespeople[0],
                salesperson=salespeople[0],
                name="Mix",
                phones=["13800138001", "13900139000"],
                now=at(3, 12),
            )

    def test_salesperson_cannot_register_for_another(self, site, salespeople):
        with pytest.raises(PermissionDenied):
            register(site, salespeople[1], at(3, 10), actor=salespeople[0])

    def test_supervisor_registers_a_duty_reception_for_the_owner_REC_RET_2(self, site, salespeople, supervisor):
        ann, bob = salespeople[:2]
        result = register(site, ann, at(3, 10), actor=supervisor, received_by=bob)
        assert result.entry.salesperson == ann and result.entry.received_by == bob

    def test_other_sites_user_may_not_register(self, site, other_site, salespeople):
        stranger = make_user("stranger", Role.SALESPERSON, [other_site])
        with pytest.raises(PermissionDenied):
            services.visit_register(
                site=site, actor=stranger, salesperson=stranger, name="X", phones=[PHONE], now=at(3, 10)
            )


class TestApproval:
    def test_nobody_approves_their_own_entry_ATT_REG_1(self, site, salespeople, project_manager):
        entry = register(site, salespeople[0], at(3, 10), actor=project_manager).entry
        with pytest.raises(services.RegisterError, match="own"):
            approve(entry, project_manager, at(3, 18))
        assert not VisitApproval.objects.exists()

    def test_only_the_sites_project_manager_approves(self, site, salespeople, supervisor, sales_manager):
        entry = register(site, salespeople[0], at(3, 10)).entry
        for actor in (supervisor, sales_manager, salespeople[1]):
            with pytest.raises(PermissionDenied):
                approve(entry, actor, at(3, 18))

    def test_reviewed_once_rejection_needs_a_reason_and_never_counts(self, site, salespeople, project_manager):
        entry = register(site, salespeople[0], at(3, 10)).entry
        with pytest.raises(services.RegisterError) as caught:
            services.visit_review(entry=entry, actor=project_manager, approve=False, now=at(3, 18))
        assert "reason" in caught.value.message_dict
        services.visit_review(entry=entry, actor=project_manager, approve=False, reason="wrong phone", now=at(3, 18))
        with pytest.raises(services.RegisterError, match="already"):
            approve(entry, project_manager, at(3, 19))
        assert client_attribution(client=entry.client, site=site, now=at(4, 9)).owner_id is None
        # A rejected entry frees the way for another salesperson's registration.
        register(site, salespeople[1], at(4, 10))

    def test_an_entry_awaits_review_from_its_writing_to_its_review_ATT_REG_1(self, site, salespeople, project_manager):
        """The approvals queue's table (PendingReview) holds exactly the entries without a review, each with its site
        and instant, through registrations, corrections, approvals and rejections."""
        ann, bob = salespeople[:2]

        def awaiting():
            pending = set(PendingReview.objects.values_list("entry_id", "site_id", "registered_at"))
            truth = set(VisitEntry.objects.filter(approval__isnull=True).values_list("pk", "site_id", "registered_at"))
            assert pending == truth
            return {entry_id for entry_id, _site, _at in pending}

        first = register(site, ann, at(3, 10)).entry
        second = register(site, bob, at(3, 11), phone="13900139001").entry
        assert awaiting() == {first.pk, second.pk}
        approve(first, project_manager, at(3, 18))
        services.visit_review(entry=second, actor=project_manager, approve=False, reason="test", now=at(3, 18))
        assert awaiting() == set()
        correction = services.visit_correct(entry=first, actor=project_manager, note="time", now=at(4, 9))
        assert awaiting() == {correction.pk}
        with pytest.raises(services.RegisterError, match="already"):
            approve(second, project_manager, at(4, 10))  # refused: the queue is left as it was
        assert awaiting() == {correction.pk}


class TestAppendOnly:
    def test_entries_refuse_update_and_delete_in_orm_and_database_ATT_REG_1(self, site, salespeople):
        entry = register(site, salespeople[0], at(3, 10)).entry
        with pytest.raises(ValidationError):
            entry.save()
        with pytest.raises(ValidationError):
            entry.delete()
        for statement in ("UPDATE attribution_visitentry SET note = 'x'", "DELETE FROM attribution_visitentry"):
            with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(statement)
        assert VisitEntry.objects.get().note == ""

    def test_correction_is_a_new_entry_and_counts_once_approved_ATT_REG_1(self, site, salespeople, project_manager):
        ann, bob = salespeople[:2]
        entry = register(site, ann, at(3, 10), actor=project_manager).entry
        approve(entry, make_user("pm2", Role.PROJECT_MANAGER, [site]), at(3, 18))
        correction = services.visit_correct(
            entry=entry, actor=project_manager, salesperson=bob, note="served by Bob", now=at(4, 9)
        )
        assert correction.corrects == entry and VisitEntry.objects.count() == 2
        assert client_attribution(client=entry.client, site=site, now=at(4, 10)).owner_id == ann.pk
        approve(correction, make_user("pm3", Role.PROJECT_MANAGER, [site]), at(4, 18))
        result = client_attribution(client=entry.client, site=site, now=at(4, 19))
        assert result.owner_id == bob.pk
        # It keeps the original's place in the order and validity from the visit day.
        assert result.valid_until.date() == dt.date(2026, 4, 3)


class TestRecognition:
    @pytest.fixture
    def two_records(self, site, salespeople, project_manager):
        ann, bob = salespeople[:2]
        original = registered(site, ann, project_manager, at(1, 10), phone="13800138001")
        served_as_new = registered(site, bob, project_manager, at(10, 10), phone="13900139000", name="Mr H")
        return ann, bob, original, served_as_new

    def recognise(self, site, pm, two_records, when, now=None):
        ann, _bob, original, new = two_records
        return services.recognition_record(
            site=site,
            client=new,
            original_client=original,
            original_salesperson=ann,
            recognised_at=when,
            actor=pm,
            now=now or when,
        )

    def test_same_day_original_takes_over_REC_NEW_2a(self, site, project_manager, two_records):
        recognition, verdict = self.recognise(site, project_manager, two_records, at(10, 17))
        assert verdict.case == "a"
        result = client_attribution(client=two_records[3], site=site, now=at(10, 18))
        assert result.owner_id == two_records[0].pk

    def test_within_the_month_50_50_and_the_new_one_follows_up_REC_NEW_2c(self, site, project_manager, two_records):
        ann, bob, _original, new = two_records
        self.recognise(site, project_manager, two_records, at(10, 20, month=4))  # the month's last day
        result = client_attribution(client=new, site=site, now=at(10, 21, month=4))
        assert {(s.user_id, s.percent) for s in result.shares} == {(ann.pk, 50), (bob.pk, 50)}
        assert result.follow_up_id == bob.pk
        assert "REC-NEW-2c" in result.rule_ids

    def test_after_the_month_is_refused_REC_NEW_2d(self, site, project_manager, two_records):
        with pytest.raises(services.RegisterError, match="REC-NEW-2d"):
            self.recognise(site, project_manager, two_records, at(11, 0, 1, month=4))
        assert not Recognition.objects.exists()

    def test_after_a_deal_on_the_spot_is_refused_REC_NEW_2b(self, site, project_manager, two_records):
        ann, bob, _original, new = two_records
        deal(site, new, bob, at(10, 15))
        with pytest.raises(services.RegisterError, match="REC-NEW-2b"):
            self.recognise(site, project_manager, two_records, at(12, 10))

    def test_after_a_later_day_deal_within_the_month_counts_REC_NEW_2c(self, site, project_manager, two_records):
        ann, bob, _original, new = two_records
        deal(site, new, bob, at(15, 15))
        _recognition, verdict = self.recognise(site, project_manager, two_records, at(20, 10))
        assert verdict.case == "c"

    def test_salesperson_cannot_record_a_recognition(self, site, salespeople, project_manager, two_records):
        with pytest.raises(PermissionDenied):
            self.recognise(site, salespeople[0], two_records, at(10, 17))


class TestMarks:
    def test_company_mark_refused_for_a_client_registered_before_the_contact_ATT_CO_1(
        self, site, salespeople, project_manager
    ):
        client = registered(site, salespeople[0], project_manager, at(3, 10))
        with pytest.raises(services.RegisterError) as caught:
            services.company_mark(
                site=site,
                client=client,
                kind=CompanyClientMark.Kind.FOLLOWED_UP,
                contacted_at=at(5, 9),
                actor=project_manager,
                now=at(5, 10),
            )
        assert "ATT-CO-1" in text(caught.value)

    def test_company_client_followed_up_70_30_ATT_CO_3(self, site, salespeople, project_manager):
        client = registered(site, salespeople[0], project_manager, at(3, 10))
        services.company_mark(
            site=site,
            client=client,
            kind=CompanyClientMark.Kind.FOLLOWED_UP,
            contacted_at=at(1, 9),
            actor=project_manager,
            now=at(5, 10),
        )
        result = client_attribution(client=client, site=site, now=at(5, 11))
        assert {(s.kind, s.percent) for s in result.shares} == {(SALESPERSON, 70), (PUBLIC_POOL, 30)}

    def test_spouses_registered_by_two_salespeople_share_ATT_SPOUSE(self, site, salespeople, project_manager):
        ann, bob = salespeople[:2]
        wife = registered(site, ann, project_manager, at(3, 10))
        husband = registered(site, bob, project_manager, at(5, 10), phone="13900139000", name="Mr H")
        services.spouse_link(site=site, client=wife, spouse=husband, actor=project_manager, now=at(6, 9))
        for client in (wife, husband):
            result = client_attribution(client=client, site=site, now=at(6, 10))
            assert {(s.user_id, s.percent) for s in result.shares} == {(ann.pk, 50), (bob.pk, 50)}


class TestReferral:
    def test_referral_after_the_first_visit_is_refused_ATT_EMP_1(self, site, salespeople, supervisor):
        register(site, salespeople[0], at(3, 10))
        with pytest.raises(services.RegisterError, match="ATT-EMP-1"):
            services.referral_register(
                site=site,
                actor=supervisor,
                name="Mr Huang",
                phone=PHONE,
                appointment_date=dt.date(2026, 3, 9),
                now=at(4, 9),
            )
        assert not Referral.objects.exists()

    def test_confirmed_referral_on_the_day_gives_30_to_the_referrer_ATT_EMP_3_5(
        self, site, salespeople, supervisor, project_manager
    ):
        referral = services.referral_register(
            site=site,
            actor=supervisor,
            name="Mr Huang",
            phone=PHONE,
            appointment_date=dt.date(2026, 3, 10),
            now=at(5, 9),
        )
        services.referral_confirm(referral=referral, actor=project_manager, now=at(10, 9, 30))
        client = registered(site, salespeople[0], project_manager, at(10, 10))
        result = client_attribution(client=client, site=site, now=at(11, 9))
        assert {(s.kind, s.percent) for s in result.shares} == {(REFERRER, 30), (SALESPERSON, 70)}

    def test_confirmation_after_the_day_is_refused_ATT_EMP_2(self, site, supervisor, project_manager):
        referral = services.referral_register(
            site=site,
            actor=supervisor,
            name="Mr Huang",
            phone=PHONE,
            appointment_date=dt.date(2026, 3, 10),
            now=at(5, 9),
        )
        with pytest.raises(services.RegisterError, match="ATT-EMP-2"):
            services.referral_confirm(referral=referral, actor=project_manager, now=at(11, 0, 0))


class TestDispute:
    def test_opinion_holds_then_the_director_decides_ATT_DISP_1(self, site, salespeople, project_manager, director):
        ann, bob = salespeople[:2]
        client = registered(site, ann, project_manager, at(3, 10))
        with pytest.raises(services.RegisterError) as caught:
            services.dispute_open(
                site=site,
                client=client,
                actor=project_manager,
                reasoning="both served",
                shares=[(ann, Decimal(60)), (bob, Decimal(30))],
                now=at(4, 9),
            )
        assert "shares" in caught.value.message_dict
        opinion = services.dispute_open(
            site=site,
            client=client,
            actor=project_manager,
            reasoning="both served",
            shares=[(ann, Decimal(60)), (bob, Decimal(40))],
            now=at(4, 9),
        )
        assert client_attribution(client=client, site=site, now=at(4, 10)).on_hold
        with pytest.raises(PermissionDenied):
            services.dispute_decide(opinion=opinion, actor=project_manager, approve=True, now=at(5, 9))
        services.dispute_decide(opinion=opinion, actor=director, approve=True, now=at(5, 9))
        result = client_attribution(client=client, site=site, now=at(5, 10))
        assert not result.on_hold
        assert {(s.user_id, s.percent) for s in result.shares} == {(ann.pk, 60), (bob.pk, 40)}
        with pytest.raises(services.RegisterError, match="already"):
            services.dispute_decide(opinion=opinion, actor=director, approve=False, now=at(5, 11))


def test_client_phone_is_unique_in_the_database(site):
    client = Client.objects.create(name="A", phone=PHONE, phone_normalised="+8613800138001", created_at=at(1, 9))
    ClientPhone.objects.create(client=client, phone=PHONE, phone_normalised="+8613800138001")
    other = Client.objects.create(name="B", phone=PHONE, phone_normalised="+8613800138001", created_at=at(1, 9))
    with pytest.raises(IntegrityError), transaction.atomic():
        ClientPhone.objects.create(client=other, phone=PHONE, phone_normalised="+8613800138001")
