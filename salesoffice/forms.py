from django import forms

from .models import display_name


class PersonChoiceField(forms.ModelChoiceField):
    """Lists people by the name colleagues know them by, not their login."""

    def label_from_instance(self, obj) -> str:
        return display_name(obj)


class PersonMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return display_name(obj)
