"""The morning check is one grid (REC-READY-1): a row per salesperson on duty, the three checks, one save; today's
results (passed / failed / unchecked) on the board."""

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from reception import services
from reception.models import ReadinessCheck, RotaEvent

from ..conftest import at


@pytest.fixture(autouse=True)
def in_english():
    with translation.override("en"):
        yield


def url(name: str) -> str:
    return reverse(f"reception:{name}", kwargs={"site": "riverside"})


def roster(site, people, supervisor, now):
    services.roster_set(
        site=site,
        day=now.astimezone(site.zone).date(),
        salesperson_ids={p.pk for p in people},
        actor=supervisor,
        now=now,
    )


def row(person, **checks):
    return services.ReadinessResult(
        salesperson=person,
        uniform_ok=checks.get("uniform", True),
        materials_ok=checks.get("materials", True),
        sales_info_ok=checks.get("sales_info", True),
        note=checks.get("note", ""),
    )


def test_one_save_records_every_row_under_one_version(site, salespeople, supervisor):
    ann, bob, cat = salespeople[:3]
    roster(site, [ann, bob, cat], supervisor, at(2, 9))
    checks = services.readiness_record_day(
        site=site,
        results=[row(ann), row(bob, materials=False, note="no price list")],
        actor=supervisor,
        now=at(2, 9, 5),
    )
    assert [c.passed for c in checks] == [True, False]
    assert ReadinessCheck.objects.count() == 2
    assert set(RotaEvent.objects.filter(kind__in=["ready", "not_ready"]).values_list("kind", "actor")) == {
        ("ready", supervisor.pk),
        ("not_ready", supervisor.pk),
    }


def test_someone_off_duty_or_an_empty_grid_is_refused(site, salespeople, supervisor):
    ann, bob = salespeople[:2]
    roster(site, [ann], supervisor, at(2, 9))
    with pytest.raises(services.DeskError, match="Bob is not on today's duty roster"):
        services.readiness_record_day(site=site, results=[row(ann), row(bob)], actor=supervisor, now=at(2, 9, 5))
    with pytest.raises(services.DeskError, match="at least one"):
        services.readiness_record_day(site=site, results=[], actor=supervisor, now=at(2, 9, 5))
    assert not ReadinessCheck.objects.exists()


def test_a_salesperson_cannot_record_the_check(site, salespeople, supervisor):
    from django.core.exceptions import PermissionDenied

    ann = salespeople[0]
    roster(site, [ann], supervisor, at(2, 9))
    with pytest.raises(PermissionDenied):
        services.readiness_record_day(site=site, results=[row(ann)], actor=ann, now=at(2, 9, 5))


def test_view_the_grid_saves_once_and_the_board_shows_each_result(
    site, salespeople, supervisor, client, django_assert_num_queries
):
    ann, bob, cat = salespeople[:3]
    roster(site, [ann, bob, cat], supervisor, at(2, 9))
    client.force_login(supervisor)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with time_machine.travel(at(2, 9, 5), tick=False):
        with django_assert_num_queries(20):
            page = client.get(url("rota")).content.decode()
        assert 'data-testid="readiness-grid"' in page
        for person in (ann, bob, cat):
            assert f'name="ready-checked_{person.pk}"' in page
        assert f'name="ready-checked_{salespeople[3].pk}"' not in page  # dan is off duty
        data = {
            f"ready-checked_{ann.pk}": "on",
            f"ready-uniform_ok_{ann.pk}": "on",
            f"ready-materials_ok_{ann.pk}": "on",
            f"ready-sales_info_ok_{ann.pk}": "on",
            f"ready-checked_{bob.pk}": "on",
            f"ready-uniform_ok_{bob.pk}": "on",
            f"ready-note_{bob.pk}": "no price list",
        }
        with django_assert_num_queries(24):
            response = client.post(url("rota_readiness"), data)
        assert response.status_code == 302
        assert ReadinessCheck.objects.count() == 2
        with django_assert_num_queries(20):
            followed = client.get(response["Location"]).content.decode()
        assert "Readiness check failed for Bob" in followed
        with django_assert_num_queries(15):
            board = client.get(url("board")).content.decode()
    assert 'data-readiness="passed"' in board
    assert 'data-readiness="failed"' in board
    assert 'data-readiness="unchecked"' in board


def test_view_a_salesperson_gets_no_grid_and_a_403_on_saving(
    site, salespeople, supervisor, client, django_assert_num_queries
):
    ann = salespeople[0]
    roster(site, [ann], supervisor, at(2, 9))
    client.force_login(ann)
    with time_machine.travel(at(2, 9, 5), tick=False):
        assert 'data-testid="readiness-grid"' not in client.get(url("rota")).content.decode()
        response = client.post(url("rota_readiness"), {f"ready-checked_{ann.pk}": "on"})
    assert response.status_code == 403
    assert not ReadinessCheck.objects.exists()
