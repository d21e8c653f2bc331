"""What every refusal of the desk carries: the clause and a sentence a manager understands."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Refusal:
    """A desk action the regulations refuse: the clause and a sentence a manager understands."""

    rule_id: str
    message: str
    # The form field the refusal is about, when it is about one (the desk's forms show it by that field).
    field: str | None = None
