"""Error pages keep the layout and the way home: a 403 and a 404 inside the site's frame, a plain 500."""

import pytest
from django.conf import settings
from django.test import Client as Browser
from django.urls import reverse
from django.utils import translation


@pytest.fixture
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_a_403_has_the_navigation_a_message_and_a_link_home(site, salespeople, english, django_assert_max_num_queries):
    english.force_login(salespeople[0])
    with django_assert_max_num_queries(10):
        response = english.get(reverse("audit_history"))
    assert response.status_code == 403
    html = response.content.decode()
    assert 'data-testid="error-403"' in html and "You may not do this" in html
    assert 'id="nav"' in html and f'href="{reverse("home")}"' in html


def test_a_404_has_the_navigation_a_message_and_a_link_home(site, supervisor, english, django_assert_max_num_queries):
    english.force_login(supervisor)
    with django_assert_max_num_queries(10):
        response = english.get("/desk/nowhere/")
    assert response.status_code == 404
    html = response.content.decode()
    assert 'data-testid="error-404"' in html and "Page not found" in html and 'id="nav"' in html


def test_the_404_is_translated(site, supervisor, client, django_assert_num_queries):
    client.force_login(supervisor)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    with translation.override("zh-hans"):
        expected = translation.gettext("Page not found")
    assert expected != "Page not found"
    with django_assert_num_queries(5):
        assert expected in client.get("/desk/nowhere/").content.decode()


def test_the_500_page_renders_plain(site, supervisor, settings):
    from django.template.loader import get_template

    with translation.override("en"):
        html = get_template("500.html").render({})
    assert "Something went wrong" in html and 'href="/"' in html


def test_anonymous_404_still_renders(db, django_assert_num_queries):
    browser = Browser()
    browser.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with django_assert_num_queries(0):
        response = browser.get("/no-such-page/")
    assert response.status_code == 404 and "Page not found" in response.content.decode()
