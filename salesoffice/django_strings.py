"""Django's own user-facing strings that its zh_Hans catalog does not translate yet.

Listed here only so that makemessages copies them into locale/; the project catalog takes precedence over Django's.
"""

from django.utils.translation import gettext_noop

DJANGO_STRINGS = (
    gettext_noop("- Select an option -"),  # django.db.models.fields.BLANK_CHOICE_LABEL, new in Django 6.1
)
