"""The register refuses: the error a refusal raises, and the result of a registration."""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError

from .. import rules
from ..models import Client, VisitEntry


class RegisterError(ValidationError):
    """A register action the rules refuse; the message says why and which clause. A dict message names the
    form field it belongs next to."""


@dataclass
class RegistrationResult:
    entry: VisitEntry
    client: Client
    created_client: bool
    possible_duplicates: list[Client] = field(default_factory=list)


def refuse(refusal: rules.Refusal | None) -> None:
    """Raise the rule's refusal unchanged: next to its form field, or above the form."""
    if refusal is not None:
        raise refused(refusal)


def refused(refusal: rules.Refusal) -> RegisterError:
    """The error a refusal raises, for a caller that always refuses (and says so with `raise`)."""
    return RegisterError({refusal.field: [refusal.text]} if refusal.field else refusal.text)
