"""Texts kept in every UI language, so a stored explanation reads in its reader's language later."""

from collections.abc import Callable

from django.conf import settings
from django.utils import translation


def in_each_language[T](render: Callable[[], T]) -> dict[str, T]:
    """`render()` as each UI language (settings.LANGUAGES) reads it, by language code."""
    texts = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            texts[code] = render()
    return texts
