"""Phone inquiries: logged for reference, never ownership (REC-NEW-3)."""

import datetime as dt

from django.contrib.auth.models import User

from salesoffice.models import Site

from .. import rules
from ..models import (
    PhoneInquiry,
)
from .desk import (
    DeskError,
)


def phone_inquiry_log(
    *,
    site: Site,
    actor: User,
    now: dt.datetime,
    caller_name: str,
    caller_phone: str,
    new_to_project: bool,
    invited_to_visit: bool,
    notes: str,
) -> PhoneInquiry:
    """Log a call for reference; it never establishes ownership of the caller (REC-NEW-3). The phone is checked
    and kept as typed; a call with neither a valid phone nor a name is refused (DeskError by field)."""
    problems = rules.phone_inquiry_problems(caller_name=caller_name, caller_phone=caller_phone)
    if problems:
        raise DeskError(problems)
    return PhoneInquiry.objects.create(
        site=site,
        taken_by=actor,
        taken_at=now,
        caller_name=caller_name.strip(),
        caller_phone=caller_phone.strip(),
        new_to_project=new_to_project,
        invited_to_visit=invited_to_visit,
        notes=notes,
    )
