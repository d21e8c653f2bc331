"""Confirm before what cannot be undone (issue 19; salesoffice.confirm). Each irreversible action's own tests show
that nothing changes until it is confirmed (commission: closing a month, cancelling a deal; attribution: approving a
day, ruling a dispute; vip: redeeming points); this is the step they share."""

from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory

from salesoffice.confirm import Consequence, confirmation_page, is_confirmed

from .reception.test_views import element


def asked(data: dict) -> str:
    request = RequestFactory().post("/commission/close/?site=riverside", data)
    request.user = AnonymousUser()
    consequence = Consequence(
        title="Close 2026-03?", will_happen=["It becomes final."], confirm_label="Close", rule_ids=("COM-4",)
    )
    response = confirmation_page(request, consequence, back_url="/back/")
    assert response.status_code == 200
    return response.content.decode()


def test_the_page_posts_every_field_again_once_confirmed_to_the_same_address():
    page = asked({"month": "2026-03", "share": ["a", "b"], "note": '"quoted" <b>', "csrfmiddlewaretoken": "old"})
    assert 'action="/commission/close/?site=riverside"' in page
    assert '<input type="hidden" name="month" value="2026-03">' in page
    assert page.count('name="share"') == 2 and 'value="a"' in page and 'value="b"' in page
    assert 'value="&quot;quoted&quot; &lt;b&gt;"' in page  # carried as typed, escaped
    assert 'value="old"' not in page  # the page's own token, not the one posted
    assert '<input type="hidden" name="confirmed" value="1">' in page
    assert "It becomes final." in " ".join(element(page, "will-happen").text) and "COM-4" in page
    assert 'href="/back/"' in page


def test_confirming_twice_does_not_carry_the_flag_twice():
    page = asked({"month": "2026-03", "confirmed": "0"})
    assert page.count('name="confirmed"') == 1


def test_only_the_pages_own_flag_confirms():
    factory = RequestFactory()
    assert is_confirmed(factory.post("/", {"confirmed": "1"}))
    assert not is_confirmed(factory.post("/", {"confirmed": "on"}))
    assert not is_confirmed(factory.post("/", {}))
    assert not is_confirmed(factory.get("/", {"confirmed": "1"}))
