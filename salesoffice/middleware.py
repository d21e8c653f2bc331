from django.conf import settings
from django.shortcuts import resolve_url
from django.utils import translation
from django_htmx.http import HttpResponseClientRedirect

from .auth import rights_scope


class RightsScopeMiddleware:
    """Each request reads the signed-in user's roles once and forgets them after it (salesoffice.auth). First in
    the chain, so that every middleware, the view and the rendering of its template share the one reading."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with rights_scope():
            return self.get_response(request)


class UserLanguageMiddleware:
    """The language a signed-in user chose follows them to any device (the cookie only remembers a browser)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            language = getattr(getattr(user, "profile", None), "language", "")
            if language:
                try:
                    # Only a language the site offers (settings.LANGUAGES), never one Django merely ships.
                    language = translation.get_supported_language_variant(language)
                except LookupError:
                    language = ""
            if language:
                translation.activate(language)
                request.LANGUAGE_CODE = language
        return self.get_response(request)


class HtmxLoginRedirectMiddleware:
    """An htmx poll whose session has expired sends the whole page to the login form, not into the board."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            getattr(request, "htmx", False)
            and response.status_code == 302
            and response.get("Location", "").startswith(resolve_url(settings.LOGIN_URL))
        ):
            return HttpResponseClientRedirect(response["Location"])
        return response


class DebugErrorPagesWithoutCSPMiddleware:
    """With DEBUG on, Django shows its own 404 and 500 pages (the URL list, the traceback), whose inline style and
    script the Content-Security-Policy would block: those go without it. With DEBUG off the app's own error pages
    are served, under the policy. Sits inside django.middleware.csp, which skips a response that says so."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if settings.DEBUG and response.status_code in (404, 500):
            response._csp_config = {}
        return response
