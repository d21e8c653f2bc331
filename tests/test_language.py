"""The language switch: a cookie for the browser, and the signed-in user's choice follows them to any device."""

import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from salesoffice.models import StaffProfile

from .conftest import PASSWORD


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def html_lang(response) -> str:
    match = re.search(r'<html lang="([^"]+)"', response.content.decode())
    assert match, "no <html lang>"
    return match.group(1)


def in_chinese(message: str) -> str:
    with translation.override("zh-hans"):
        return translation.gettext(message)


def fresh_login(username: str) -> Client:
    """Another device: a new client with no cookies, signing in through the login form."""
    device = Client()
    response = device.post(reverse("login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302, "login failed"
    return device


def board_url() -> str:
    return reverse("reception:board", kwargs={"site": "riverside"})


def test_the_default_language_is_simplified_chinese(site, supervisor, client, django_assert_num_queries):
    client.force_login(supervisor)
    with django_assert_num_queries(20):
        response = client.get(board_url())
    assert html_lang(response) == "zh-hans"
    assert in_chinese("Front desk") != "Front desk"  # the catalog translates it
    assert in_chinese("Front desk") in response.content.decode()


def test_an_anonymous_switch_sets_the_cookie_only(db, client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.post(reverse("choose_language"), {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert not StaffProfile.objects.exists()
    with django_assert_num_queries(0):
        page = client.get(reverse("login"))
    assert html_lang(page) == "en"
    assert "Log in" in page.content.decode()
    assert page["Content-Language"] == "en"


def test_a_signed_in_switch_follows_the_user_to_another_device(site, supervisor, client, django_assert_num_queries):
    client.force_login(supervisor)
    with django_assert_num_queries(8):
        response = client.post(reverse("choose_language"), {"language": "en", "next": board_url()})
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert StaffProfile.objects.get(user=supervisor).language == "en"

    device = fresh_login("supervisor")
    assert settings.LANGUAGE_COOKIE_NAME not in device.cookies
    with django_assert_num_queries(20):
        page = device.get(board_url())
    assert html_lang(page) == "en"
    assert page["Content-Language"] == "en"
    assert "Front desk" in page.content.decode()
    assert in_chinese("Front desk") not in page.content.decode()

    # Back to Chinese on that other device; the first browser follows too, whatever its cookie says.
    with django_assert_num_queries(6):
        device.post(reverse("choose_language"), {"language": "zh-hans", "next": board_url()})
    assert StaffProfile.objects.get(user=supervisor).language == "zh-hans"
    with django_assert_num_queries(15):
        again = client.get(board_url())
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert html_lang(again) == "zh-hans"
    assert in_chinese("Front desk") in again.content.decode()
    elsewhere = fresh_login("supervisor")
    with django_assert_num_queries(6):
        assert html_lang(elsewhere.get(board_url())) == "zh-hans"


def test_the_language_of_one_user_does_not_leak_to_another(
    site, supervisor, project_manager, client, django_assert_num_queries
):
    client.force_login(supervisor)
    with django_assert_num_queries(8):
        client.post(reverse("choose_language"), {"language": "en"})
    other_device = fresh_login("pm")
    with django_assert_num_queries(20):
        assert html_lang(other_device.get(board_url())) == "zh-hans"


@pytest.mark.parametrize("language", ["fr", "xx", ""])
def test_an_unsupported_language_changes_nothing(language, site, supervisor, client, django_assert_num_queries):
    client.force_login(supervisor)
    with django_assert_num_queries(2):
        response = client.post(reverse("choose_language"), {"language": language, "next": board_url()})
    assert response.status_code == 302
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    assert not StaffProfile.objects.exists()
    with django_assert_num_queries(20):
        assert html_lang(client.get(board_url())) == "zh-hans"


def test_an_unsupported_language_left_in_a_profile_is_not_used(site, supervisor, client, django_assert_num_queries):
    """A profile written before the languages were checked (or by hand) falls back to a supported one."""
    StaffProfile.objects.create(user=supervisor, language="fr")
    client.force_login(supervisor)
    with django_assert_num_queries(20):
        assert html_lang(client.get(board_url())) == "zh-hans"


def test_the_switch_only_accepts_post(db, client, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert client.get(reverse("choose_language"), {"language": "en"}).status_code == 405
