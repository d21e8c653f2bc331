"""The Content-Security-Policy: every response carries it, it allows no inline code or eval, and no template needs
either (tests/browser/test_csp_pages.py loads every page in Chromium under the policy)."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template.loader import get_template
from django.urls import reverse
from django.utils import translation

ROOT = Path(settings.BASE_DIR)
TEMPLATES = sorted(path for path in ROOT.glob("**/templates/**/*.html") if not path.is_relative_to(ROOT / ".venv"))

# What the policy would block: an inline handler (onclick=...), a javascript: URL, a style attribute, an inline
# <script> without the nonce, htmx code that htmx would eval (hx-on, js: values).
BLOCKED = {
    "an inline event handler": re.compile(r"\son[a-z]+\s*=", re.IGNORECASE),
    "a javascript: URL": re.compile(r"javascript:", re.IGNORECASE),
    "a style attribute": re.compile(r"\sstyle\s*=", re.IGNORECASE),
    "an inline script without the nonce": re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*csp_nonce)[^>]*>", re.IGNORECASE),
    "htmx code evaluated in the page": re.compile(r"hx-on|hx-vars|hx-vals\s*=\s*['\"]\s*(js|javascript):"),
}


def policy_of(response) -> dict[str, list[str]]:
    directives = [part.strip().split() for part in response["Content-Security-Policy"].split(";")]
    return {name: values for name, *values in directives}


def test_the_templates_are_found():
    assert len(TEMPLATES) > 50 and ROOT / "templates" / "base.html" in TEMPLATES


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda path: str(path.relative_to(ROOT)))
def test_no_template_needs_what_the_policy_blocks(template):
    text = template.read_text(encoding="utf-8")
    found = {what: pattern.findall(text) for what, pattern in BLOCKED.items() if pattern.search(text)}
    assert not found, f"{template.relative_to(ROOT)}: {found}"


def test_a_page_is_served_under_a_strict_policy(site, supervisor, client, django_assert_num_queries):
    client.force_login(supervisor)
    with django_assert_num_queries(20):
        response = client.get(reverse("reception:board", kwargs={"site": site.code}))
    assert response.status_code == 200
    policy = policy_of(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"][0] == "'self'" and policy["style-src"] == ["'self'"]
    assert policy["img-src"] == ["'self'", "data:"]
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"] and policy["form-action"] == ["'self'"]
    header = response["Content-Security-Policy"]
    assert "unsafe-inline" not in header and "unsafe-eval" not in header
    # htmx is told the same: it would otherwise eval attribute code and inject an inline <style>.
    html = response.content.decode()
    assert '"allowEval": false' in html and '"includeIndicatorStyles": false' in html


def test_an_htmx_fragment_and_an_error_page_carry_it_too(site, supervisor, client, django_assert_num_queries):
    client.force_login(supervisor)
    with django_assert_num_queries(18):
        fragment = client.get(
            reverse("reception:board_state", kwargs={"site": site.code}), headers={"HX-Request": "true"}
        )
    assert "script-src 'self'" in fragment["Content-Security-Policy"]
    with django_assert_num_queries(5):
        assert "script-src 'self'" in client.get("/desk/nowhere/")["Content-Security-Policy"]


def test_the_500_page_is_styled_from_a_file():
    with translation.override("en"):
        html = get_template("500.html").render({})
    assert "style=" not in html and 'href="/static/css/plain-page.css"' in html


def test_django_s_own_debug_error_pages_go_without_it(site, supervisor, client, settings, django_assert_num_queries):
    # Their inline style and script would be blocked: a developer would get an unstyled traceback.
    client.force_login(supervisor)
    settings.DEBUG = True
    with django_assert_num_queries(4):
        assert "Content-Security-Policy" not in client.get("/desk/nowhere/")
    with django_assert_num_queries(20):
        assert "Content-Security-Policy" in client.get(reverse("reception:board", kwargs={"site": site.code}))
    settings.DEBUG = False
    with django_assert_num_queries(5):
        assert "Content-Security-Policy" in client.get("/desk/nowhere/")
