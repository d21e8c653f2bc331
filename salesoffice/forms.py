import uuid
from collections.abc import Callable, Mapping
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .idempotency import KeyReused
from .models import display_name


def add_service_errors(form: forms.Form, exc: ValidationError, fields: Mapping[str, str] | None = None) -> None:
    """A service's refusal next to the form field its dict form names (renamed by `fields`), else at the top."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for key, errors in exc.error_dict.items():
        name = (fields or {}).get(key, key)
        if isinstance(exc, KeyReused) and name in form.fields and form.fields[name].widget.is_hidden:
            renew_request_key(form, name)
            name = None  # the key is a hidden field: the refusal goes at the top of the form
        form.add_error(name if name in form.fields else None, errors)


def submit(form: forms.Form, service: Callable[..., Any], /, **arguments: Any) -> Any:
    """Call one service for a valid form; its refusal (a ValidationError) is put next to the form's fields.

    The one way a view performs a POST action (one view per action, each with its own URL): the view checks access,
    validates its form, and writes `made = submit(form, services.x, ...)`; `made` is what the service returned, or
    None when it refused (then the form, with the refusal at its field, is shown again).
    """
    try:
        return service(**arguments)
    except ValidationError as exc:
        add_service_errors(form, exc, getattr(form, "SERVICE_FIELDS", None))
        return None


def renew_request_key(form: forms.Form, name: str) -> None:
    """A form whose request key another request used (KeyReused) gets a new one, so that sent again after a check
    it is a request of its own."""
    form.data = form.data.copy()
    form.data[form.add_prefix(name)] = uuid.uuid4().hex


class PersonChoiceField(forms.ModelChoiceField):
    """Lists people by the name colleagues know them by, not their login."""

    def label_from_instance(self, obj) -> str:
        return display_name(obj)


class PersonMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return display_name(obj)


class CockpitMonthForm(forms.Form):
    """The month of the cockpit or of a pack, as YYYY-MM."""

    month = forms.RegexField(
        regex=r"^\d{4}-(0[1-9]|1[0-2])$",
        max_length=7,
        label=_("Month"),
        error_messages={"invalid": _("Enter a month as YYYY-MM, e.g. 2026-11.")},
        widget=forms.TextInput(attrs={"type": "month"}),
    )
