"""The ownership engine as pure functions (attribution.rules): facts + an instant -> owner, shares, reasons."""

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from attribution import rules
from attribution.rules import (
    ClientFacts,
    CompanyFact,
    DealFact,
    DisputeFact,
    IntroductionFact,
    RecognitionFact,
    ReferralFact,
    RegisteredVisit,
    SpouseFact,
    SwitchFact,
)

from ..conftest import SHANGHAI, at

ZHANG, LI, WANG, REFERRER = 1, 2, 3, 9
REFERRAL = "employee_referral"
NAMES = {ZHANG: "Zhang", LI: "Li", WANG: "Wang", REFERRER: "Ref"}
_ids = iter(range(1, 10_000))


def visit(
    who: int, when: dt.datetime, approved: dt.datetime | None = None, *, rejected=False, source=""
) -> RegisteredVisit:
    return RegisteredVisit(
        next(_ids), who, when, None if rejected else (approved or when), when, rejected=rejected, source=source
    )


def facts(*visits, **kw) -> ClientFacts:
    return ClientFacts(client_id=1, visits=tuple(visits), names=NAMES, **kw)


def shares(result: rules.Attribution) -> dict:
    return {(s.kind, s.user_id): s.percent for s in result.shares}


class TestRegistration:
    def test_first_registered_wins_ATT_REG_3(self):
        result = rules.attribute(facts(visit(ZHANG, at(3, 10)), visit(LI, at(3, 11))), now=at(4, 9), zone=SHANGHAI)
        assert result.owner_id == ZHANG
        assert shares(result) == {("salesperson", ZHANG): 100}
        assert any(s.outcome == "rejected" and "ATT-REG-3" in s.rule_ids for s in result.steps)

    def test_order_is_by_registration_not_approval_ATT_REG_3(self):
        early = visit(ZHANG, at(3, 10), approved=at(3, 20))
        late = visit(LI, at(3, 11), approved=at(3, 12))
        assert rules.attribute(facts(early, late), now=at(4, 9), zone=SHANGHAI).owner_id == ZHANG
        # Before Zhang's approval, only Li's entry counts.
        assert rules.attribute(facts(early, late), now=at(3, 15), zone=SHANGHAI).owner_id == LI

    def test_unapproved_entry_never_counts_ATT_REG_1(self):
        result = rules.attribute(facts(visit(ZHANG, at(3, 10), rejected=True)), now=at(4, 9), zone=SHANGHAI)
        assert result.owner_id is None and result.shares == ()

    @pytest.mark.parametrize(
        ("now", "owner"),
        [(at(3, 23, 59, month=4), ZHANG), (at(4, 0, 0, month=4), None)],
        ids=["last-minute-of-3-April", "first-minute-of-4-April"],
    )
    def test_valid_one_month_to_the_end_of_the_day_ATT_REG_2(self, now, owner):
        # One month after 3 March runs to the end of 3 April (RULES.md).
        assert rules.attribute(facts(visit(ZHANG, at(3, 10))), now=now, zone=SHANGHAI).owner_id == owner

    def test_month_end_clamps_ATT_REG_2(self):
        jan31 = dt.datetime(2026, 1, 31, 10, tzinfo=SHANGHAI)
        v = visit(ZHANG, jan31)
        assert rules.registered_owner([v], now=dt.datetime(2026, 2, 28, 23, tzinfo=SHANGHAI), zone=SHANGHAI).owner_id
        assert not rules.registered_owner([v], now=dt.datetime(2026, 3, 1, 0, tzinfo=SHANGHAI), zone=SHANGHAI).owner_id

    def test_owner_revisit_renews_and_lapse_frees_ATT_REG_2(self):
        visits = (visit(ZHANG, at(3, 10)), visit(ZHANG, at(1, 10, month=4)), visit(LI, at(10, 10, month=4)))
        assert rules.attribute(facts(*visits), now=at(20, 9, month=4), zone=SHANGHAI).owner_id == ZHANG
        # Zhang's registration ran to 1 May; Li's later entry is then a new owner's only if registered after it.
        lapsed = (visit(ZHANG, at(3, 10)), visit(LI, at(5, 10, month=4)))
        result = rules.attribute(facts(*lapsed), now=at(6, 9, month=4), zone=SHANGHAI)
        assert result.owner_id == LI


class TestRecognition:
    def original(self):
        return (visit(ZHANG, at(1, 10)),)

    def run(self, recognised_at, *, deals=(), now=None, original=None, revisits=()):
        new_visit = visit(LI, at(10, 10))
        recognition = RecognitionFact(1, ZHANG, recognised_at, original if original is not None else self.original())
        return rules.attribute(
            facts(new_visit, *revisits, recognitions=(recognition,), deals=deals),
            now=now or recognised_at,
            zone=SHANGHAI,
        )

    def test_same_day_original_takes_over_REC_NEW_2a(self):
        result = self.run(at(10, 16))
        assert result.owner_id == ZHANG and result.follow_up_id == ZHANG
        assert shares(result) == {("salesperson", ZHANG): 100}
        assert "REC-NEW-2a" in result.rule_ids

    def test_after_a_takeover_the_originals_revisits_renew_REC_NEW_2a_ATT_REG_2(self):
        # Li's registration of 10 March would end on 10 April; Zhang took over and came back with the client.
        result = self.run(at(10, 16), revisits=(visit(ZHANG, at(5, 10, month=4)),), now=at(1, 10, month=5))
        assert result.owner_id == ZHANG and result.valid_until.date() == dt.date(2026, 5, 5)
        # Li's own later visits no longer renew it.
        lapsed = self.run(at(10, 16), revisits=(visit(LI, at(5, 10, month=4)),), now=at(1, 10, month=5))
        assert lapsed.owner_id is None

    def test_deal_on_the_spot_keeps_all_with_new_REC_NEW_2b(self):
        result = self.run(at(10, 16), deals=(DealFact(1, LI, at(10, 12)),))
        assert shares(result) == {("salesperson", LI): 100}
        assert any("REC-NEW-2b" in s.rule_ids and s.outcome == "rejected" for s in result.steps)

    def test_within_the_month_split_50_50_REC_NEW_2c(self):
        result = self.run(at(10, 23, month=4))  # 10 April: the last day of the month after 10 March
        assert shares(result) == {("salesperson", ZHANG): 50, ("salesperson", LI): 50}
        assert result.follow_up_id == LI
        assert [s.user_id for s in result.shares] == [ZHANG, LI]  # the first registered first (COM-2 ties)

    def test_later_day_deal_does_not_block_recognition_REC_NEW_2c(self):
        result = self.run(at(20, 10), deals=(DealFact(1, LI, at(15, 12)),))
        assert shares(result) == {("salesperson", ZHANG): 50, ("salesperson", LI): 50}

    def test_after_the_month_all_to_new_REC_NEW_2d(self):
        # Li's revisit on 1 April keeps Li's registration valid past the recognition window (ends 10 April).
        result = self.run(at(11, 0, month=4), revisits=(visit(LI, at(1, 10, month=4)),))
        assert shares(result) == {("salesperson", LI): 100}
        assert any("REC-NEW-2d" in s.rule_ids for s in result.steps)

    def test_original_needs_a_valid_registration_at_the_visit(self):
        lapsed = (visit(ZHANG, at(1, 10, month=1)),)
        result = self.run(at(10, 16), original=lapsed)
        assert shares(result) == {("salesperson", LI): 100}


class TestReferral:
    def referral(self, confirmed_at=None):
        return ReferralFact(1, REFERRER, dt.date(2026, 3, 10), at(5, 9), confirmed_at)

    def test_valid_referral_30_70_ATT_EMP_5(self):
        result = rules.attribute(
            # The desk registers the visit as the referral's (ATT-EMP-3), then the project manager signs.
            facts(visit(LI, at(10, 10), source=REFERRAL), referrals=(self.referral(at(10, 10, 5)),)),
            now=at(11, 9),
            zone=SHANGHAI,
        )
        assert shares(result) == {("referrer", REFERRER): 30, ("salesperson", LI): 70}

    def test_lapses_at_end_of_appointment_day_ATT_EMP_2(self):
        ref = self.referral()
        assert rules.referral_status(ref, (), now=at(10, 23, 59), zone=SHANGHAI).status == rules.REFERRAL_PENDING
        assert rules.referral_status(ref, (), now=at(11, 0, 0), zone=SHANGHAI).status == rules.REFERRAL_LAPSED

    def test_unconfirmed_at_the_visit_is_void_ATT_EMP_4(self):
        status = rules.referral_status(self.referral(), (visit(LI, at(10, 10)),), now=at(11, 1), zone=SHANGHAI)
        assert status.status == rules.REFERRAL_VOID and status.rule_ids == ("ATT-EMP-4",)

    def test_client_registered_before_is_rejected_ATT_EMP_3(self):
        visits = (visit(ZHANG, at(1, 10)), visit(LI, at(10, 10)))
        status = rules.referral_status(self.referral(at(10, 10, 5)), visits, now=at(11, 1), zone=SHANGHAI)
        assert status.status == rules.REFERRAL_REJECTED


class TestCompany:
    @pytest.mark.parametrize(
        ("kind", "designated", "expected", "rule"),
        [
            ("followed_up", None, {("salesperson", LI): 70, ("public_pool", None): 30}, "ATT-CO-3"),
            ("direct_sales", None, {("salesperson", LI): 30, ("public_pool", None): 70}, "ATT-CO-4"),
            ("direct_other", None, {("public_pool", None): 100}, "ATT-CO-5"),
            ("followed_up", LI, {("public_pool", None): 100}, "ATT-CO-2"),
        ],
    )
    def test_company_splits(self, kind, designated, expected, rule):
        mark = CompanyFact(1, kind, at(1, 9), at(10, 12), designated)
        result = rules.attribute(facts(visit(LI, at(10, 10)), company=(mark,)), now=at(11, 9), zone=SHANGHAI)
        assert shares(result) == expected
        assert rule in result.rule_ids

    def test_registered_before_contact_is_not_a_company_client_ATT_CO_1(self):
        mark = CompanyFact(1, "followed_up", at(12, 9), at(12, 12))
        result = rules.attribute(facts(visit(LI, at(10, 10)), company=(mark,)), now=at(13, 9), zone=SHANGHAI)
        assert shares(result) == {("salesperson", LI): 100}
        assert any("ATT-CO-1" in s.rule_ids and s.outcome == "rejected" for s in result.steps)


class TestJointAndSwitches:
    def test_spouses_serve_jointly_50_50_ATT_SPOUSE(self):
        spouse = SpouseFact(1, 2, at(12, 9), (visit(LI, at(5, 10)),))
        result = rules.attribute(facts(visit(ZHANG, at(3, 10)), spouses=(spouse,)), now=at(13, 9), zone=SHANGHAI)
        assert shares(result) == {("salesperson", ZHANG): 50, ("salesperson", LI): 50}
        assert result.shares[0].user_id == ZHANG

    def test_referral_composes_with_spouse_COM_3(self):
        spouse = SpouseFact(1, 2, at(12, 9), (visit(LI, at(5, 10)),))
        referral = ReferralFact(1, REFERRER, dt.date(2026, 3, 10), at(8, 9), at(10, 9))
        result = rules.attribute(
            facts(visit(ZHANG, at(10, 10)), spouses=(spouse,), referrals=(referral,)), now=at(13, 9), zone=SHANGHAI
        )
        assert shares(result) == {("referrer", REFERRER): 30, ("salesperson", ZHANG): 35, ("salesperson", LI): 35}
        assert sum(s.percent for s in result.shares) == 100

    def test_designated_after_reception_began_70_30_REC_DES_2(self):
        switch = SwitchFact(at(10, 11), LI, WANG, returning=False)
        result = rules.attribute(facts(visit(WANG, at(10, 12)), switches=(switch,)), now=at(11, 9), zone=SHANGHAI)
        assert shares(result) == {("salesperson", LI): 70, ("salesperson", WANG): 30}
        assert result.follow_up_id == WANG

    def test_instigated_switch_all_to_first_receiver_REC_DES_2(self):
        switch = SwitchFact(at(10, 11), LI, WANG, returning=False, instigated=True)
        result = rules.attribute(facts(visit(WANG, at(10, 12)), switches=(switch,)), now=at(11, 9), zone=SHANGHAI)
        assert shares(result) == {("salesperson", LI): 100}

    def test_returning_client_switch_stays_with_owner_REC_DES_3(self):
        switch = SwitchFact(at(12, 11), ZHANG, WANG, returning=True)
        result = rules.attribute(facts(visit(ZHANG, at(3, 10)), switches=(switch,)), now=at(13, 9), zone=SHANGHAI)
        assert shares(result) == {("salesperson", ZHANG): 100}
        assert "REC-DES-3" in result.rule_ids


class TestIntroductionsAndDisputes:
    def test_declared_introduction_makes_the_client_As_ATT_REF_OLD_a(self):
        intro = IntroductionFact(1, ZHANG, "a", at(10, 12), declared_at=at(9, 18))
        result = rules.attribute(facts(visit(LI, at(10, 10)), introductions=(intro,)), now=at(11, 9), zone=SHANGHAI)
        assert result.owner_id == ZHANG and shares(result) == {("salesperson", ZHANG): 100}

    def test_undeclared_introduction_has_no_claim_ATT_REF_OLD_a(self):
        intro = IntroductionFact(1, ZHANG, "a", at(10, 12), declared_at=at(10, 11))
        result = rules.attribute(facts(visit(LI, at(10, 10)), introductions=(intro,)), now=at(11, 9), zone=SHANGHAI)
        assert result.owner_id == LI

    def test_brought_by_old_client_ATT_REF_OLD_b_and_alone_c(self):
        b = IntroductionFact(1, ZHANG, "b", at(10, 12))
        c = IntroductionFact(2, ZHANG, "c", at(10, 12))
        assert (
            rules.attribute(facts(visit(LI, at(10, 10)), introductions=(b,)), now=at(11, 9), zone=SHANGHAI).owner_id
            == ZHANG
        )
        assert (
            rules.attribute(facts(visit(LI, at(10, 10)), introductions=(c,)), now=at(11, 9), zone=SHANGHAI).owner_id
            == LI
        )

    def test_open_dispute_holds_and_ruling_decides_ATT_DISP_1(self):
        pending = DisputeFact(1, at(12, 9), None, None, ((ZHANG, Decimal(60)), (LI, Decimal(40))))
        held = rules.attribute(facts(visit(LI, at(10, 10)), disputes=(pending,)), now=at(13, 9), zone=SHANGHAI)
        assert held.on_hold
        ruled = DisputeFact(1, at(12, 9), at(14, 9), True, ((ZHANG, Decimal(60)), (LI, Decimal(40))))
        result = rules.attribute(facts(visit(LI, at(10, 10)), disputes=(ruled,)), now=at(15, 9), zone=SHANGHAI)
        assert not result.on_hold and shares(result) == {("salesperson", ZHANG): 60, ("salesperson", LI): 40}

    def test_no_owner_goes_to_dispute_not_a_guess_ATT_DISP_1(self):
        result = rules.attribute(facts(), now=at(15, 9), zone=SHANGHAI)
        assert result.shares == () and any("ATT-DISP-1" in s.rule_ids for s in result.steps)


@given(
    st.lists(
        st.tuples(st.sampled_from([ZHANG, LI, WANG]), st.integers(0, 120), st.booleans()), min_size=1, max_size=12
    ),
    st.integers(0, 150),
)
def test_shares_always_add_up_to_100_and_owner_holds_a_share(entries, now_offset):
    base = at(1, 9, month=1)
    visits = tuple(
        RegisteredVisit(i, who, base + dt.timedelta(days=d), base + dt.timedelta(days=d) if ok else None)
        for i, (who, d, ok) in enumerate(entries)
    )
    result = rules.attribute(facts(*visits), now=base + dt.timedelta(days=now_offset, hours=1), zone=SHANGHAI)
    if result.shares:
        assert sum(s.percent for s in result.shares) == 100
        assert result.owner_id in result.salesperson_ids
    else:
        assert result.owner_id is None


def test_a_referral_confirmed_before_the_visit_says_so_until_the_client_comes_ATT_EMP_3():
    referral = ReferralFact(1, REFERRER, dt.date(2026, 3, 10), at(5, 9), at(10, 9))
    waiting = rules.referral_status(referral, (), now=at(10, 9, 30), zone=SHANGHAI)
    assert waiting.status == rules.REFERRAL_PENDING and waiting.rule_ids == ("ATT-EMP-3",)
    assert "Confirmed" in waiting.text
    came = rules.referral_status(referral, (visit(LI, at(10, 11)),), now=at(10, 12), zone=SHANGHAI)
    assert came.status == rules.REFERRAL_VALID
    # Confirmed, but the client never came: lapsed at the end of the day (ATT-EMP-2).
    assert rules.referral_status(referral, (), now=at(11, 0), zone=SHANGHAI).status == rules.REFERRAL_LAPSED


def test_an_entry_awaiting_approval_is_not_called_a_dispute_ATT_REG_1():
    pending = RegisteredVisit(1, LI, at(10, 10), None, at(10, 10))
    result = rules.attribute(facts(pending), now=at(10, 12), zone=SHANGHAI)
    assert result.owner_id is None
    assert [s.rule_ids for s in result.steps] == [("ATT-REG-1",)]
    assert "awaits the project manager's approval" in result.steps[0].text
