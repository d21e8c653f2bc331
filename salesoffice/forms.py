from collections.abc import Mapping

from django import forms
from django.core.exceptions import ValidationError

from .models import display_name


def add_service_errors(form: forms.Form, exc: ValidationError, fields: Mapping[str, str] | None = None) -> None:
    """A service's refusal next to the form field its dict form names (renamed by `fields`), else at the top."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for key, errors in exc.error_dict.items():
        name = (fields or {}).get(key, key)
        form.add_error(name if name in form.fields else None, errors)


class PersonChoiceField(forms.ModelChoiceField):
    """Lists people by the name colleagues know them by, not their login."""

    def label_from_instance(self, obj) -> str:
        return display_name(obj)


class PersonMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return display_name(obj)
