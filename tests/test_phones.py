"""salesoffice.phones: the one phone validator and normaliser (issue 14, item 8): E.164 with China as the default
region, a validator and a form field; and no other product module parses phones itself."""

import ast

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.utils import translation

from salesoffice import phones

from .test_money import ROOT, product_modules

BAD = ["abc", "138001", "12", "", "   ", "+86", "1380013800012345"]


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.mark.parametrize("raw", BAD)
def test_what_is_not_a_phone_is_refused(raw):
    with pytest.raises(ValidationError) as refused:
        phones.normalise_phone(raw)
    assert refused.value.messages == ["Enter a valid phone number."] and refused.value.code == "invalid_phone"
    assert not phones.is_valid_phone(raw)


@pytest.mark.parametrize(
    "typed",
    ["13800138000", "138 0013 8000", "138-0013-8000", "+86 138 0013 8000", "+8613800138000", "0086 13800138000"],
)
def test_a_mobile_however_typed_has_one_normal_form(typed):
    assert phones.normalise_phone(typed) == "+8613800138000"
    assert phones.national_phone(typed) == "13800138000"


def test_landlines_and_foreign_numbers():
    assert phones.normalise_phone("025 8321 8001") == "+862583218001"  # Nanjing, area code typed
    assert phones.normalise_phone("+852 2123 4567") == "+85221234567"  # Hong Kong, with its country code


def test_the_validator_leaves_blank_to_required():
    phones.validate_phone("")
    phones.validate_phone("138 0013 8000")
    with pytest.raises(ValidationError):
        phones.validate_phone("12")


class Form(forms.Form):
    phone = phones.PhoneField(label="Phone", required=False)


def test_the_form_field_shows_the_error_at_the_field_and_keeps_what_was_typed():
    form = Form({"phone": "138001"})
    assert not form.is_valid() and form.errors == {"phone": ["Enter a valid phone number."]}
    form = Form({"phone": " +86 138 0013 8000 "})
    assert form.is_valid() and form.cleaned_data["phone"] == "+86 138 0013 8000"
    assert Form({"phone": ""}).is_valid()
    assert 'type="tel"' in str(Form()["phone"])


def test_no_other_module_parses_phones():
    """One validator: `phonenumbers` is imported by salesoffice/phones.py only (attribution.phones is gone)."""
    users = []
    for path in product_modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            if any(name.split(".")[0] == "phonenumbers" for name in names):
                users.append(str(path.relative_to(ROOT)))
    assert users == ["salesoffice/phones.py"]
    assert not (ROOT / "attribution" / "phones.py").exists()
