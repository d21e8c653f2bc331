"""`manage.py seed_demo` seeds the stores: members in every state the pages show, and the store logins."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client

from salesoffice.models import Site
from vip.models import Membership, Return


@pytest.mark.django_db
def test_seed_demo_makes_stores_members_and_pages_that_open(capsys, django_assert_num_queries):
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert "storemgr" in out and "clerk2" in out
    nanjing = Site.objects.get(code="nanjing")
    assert Membership.objects.filter(store=nanjing).count() == 5
    assert Return.objects.filter(shortfall__gt=0).exists()
    client = Client()
    client.force_login(get_user_model().objects.get(username="storemgr"))
    for page, queries in (("till", 5), ("members", 6), ("rewards", 7), ("expiring", 7), ("shortfalls", 7)):
        with django_assert_num_queries(queries):
            response = client.get(f"/store/nanjing/{page}/")
        assert response.status_code == 200, page
