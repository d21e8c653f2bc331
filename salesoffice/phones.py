"""Phones: the one validator and normaliser, for the register, the desk, the VIP till and the service desk.

A phone is whatever `phonenumbers` accepts as a valid number, read with China as the default region (a number
typed without +country is Chinese). Spaces, dashes and a +86 prefix are accepted. Its normal form is E.164
(`+8613800138000`), which the register matches clients by (ATT-REG-3); the VIP store keys a customer by the
national number (`13800138000`), the same number without its country prefix.
"""

import phonenumbers
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

DEFAULT_REGION = "CN"
INVALID_MESSAGE = _("Enter a valid phone number.")
INVALID_CODE = "invalid_phone"


def parse_phone(raw: str) -> phonenumbers.PhoneNumber:
    """The number `raw` stands for; a ValidationError (code `invalid_phone`) for anything that is not a phone."""
    try:
        parsed = phonenumbers.parse(str(raw), DEFAULT_REGION)
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(INVALID_MESSAGE, code=INVALID_CODE) from exc
    if not phonenumbers.is_valid_number(parsed):
        raise ValidationError(INVALID_MESSAGE, code=INVALID_CODE)
    return parsed


def normalise_phone(raw: str) -> str:
    """E.164 form used to match clients (ATT-REG-3); raises ValidationError for anything not a phone."""
    return phonenumbers.format_number(parse_phone(raw), phonenumbers.PhoneNumberFormat.E164)


def national_phone(raw: str) -> str:
    """The national number (no country prefix) a store knows a customer by; ValidationError if not a phone."""
    return str(parse_phone(raw).national_number)


def is_valid_phone(raw: str) -> bool:
    try:
        parse_phone(raw)
    except ValidationError:
        return False
    return True


def validate_phone(value: str) -> None:
    """A Django validator (model or form field): blank is left to `required`/`blank`, anything else must be a
    phone."""
    if value and str(value).strip():
        parse_phone(value)


class PhoneField(forms.CharField):
    """A form field for a phone: the error shows next to the field; the cleaned value is what was typed (trimmed),
    checked, so the service decides whether to store it as typed or normalised."""

    default_validators = [validate_phone]

    def __init__(self, *, max_length: int = 40, **kwargs):
        kwargs.setdefault("widget", forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}))
        super().__init__(max_length=max_length, **kwargs)
