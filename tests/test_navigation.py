"""The navigation on pages that belong to no one site still leads to the user's desks."""

from django.conf import settings
from django.urls import reverse

from salesoffice.roles import Role

from .conftest import make_user


def labels_and_urls(response) -> list[tuple[str, str]]:
    items = response.context["nav_items"]
    items = items() if callable(items) else items
    flat = []
    for item in items:
        flat += [(c["label"], c["url"]) for c in item.get("children", [])] or [(item["label"], item["url"])]
    return [(str(label), url) for label, url in flat]


def test_one_site_offers_its_desk_links_on_a_page_of_no_site(site, supervisor, client, django_assert_num_queries):
    client.force_login(supervisor)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with django_assert_num_queries(6):
        page = client.get(reverse("notifications"))
    links = labels_and_urls(page)
    assert ("Front desk", reverse("reception:board", kwargs={"site": "riverside"})) in links
    assert ("Rota & roster", reverse("reception:rota", kwargs={"site": "riverside"})) in links


def test_several_sites_offer_a_front_desk_per_site(site, other_site, client, django_assert_num_queries):
    person = make_user("twosites", Role.SITE_SUPERVISOR, [site, other_site])
    client.force_login(person)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    # The home's own panel (issue 19): the two front desks with their clients waiting, one query.
    with django_assert_num_queries(7):
        page = client.get(reverse("home"))
    links = labels_and_urls(page)
    assert ("Front desk · Riverside", reverse("reception:board", kwargs={"site": "riverside"})) in links
    assert ("Front desk · Hillside", reverse("reception:board", kwargs={"site": "hillside"})) in links
    assert 'href="/desk/hillside/"' in page.content.decode()


def test_no_desk_menu_for_someone_without_the_board(site, client, django_assert_num_queries):
    clerk = make_user("clerk", None, [site])
    client.force_login(clerk)
    with django_assert_num_queries(5):
        page = client.get(reverse("notifications"))
    assert not [url for _label, url in labels_and_urls(page) if url.startswith("/desk/")]
