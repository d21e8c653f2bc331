from django.utils import translation


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
