"""Issue 16: bad input never reaches a 500 or the ledger. Every form of the apps is fed hypothesis-made input (text of
every kind and size, numbers huge, negative and not numbers, dates of year 1 and 9999, ids that name nothing): it
answers valid or not, never raises, and says why when not; an implausible date is always refused at its field. A
set of POST pages, as the role that uses them, never answers 500, and a refusal writes nothing."""

import datetime as dt
import importlib
import inspect

import pytest
import time_machine
from django import forms
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from attribution.forms import VisitRegisterForm
from attribution.forms_office import FollowUpPlanForm, ReferralForm
from attribution.models import Client
from commission.forms import DealForm
from reception.forms import ViolationForm
from reception.models import RotaMember
from salesoffice.dates import BoundedDateField, BoundedDateTimeField
from salesoffice.models import Site
from salesoffice.roles import Role
from service_desk.forms import RequestForm, ShiftForm
from vip.forms import CampaignForm, PurchaseForm
from vip.models import Reward

from .conftest import at, make_user, row_counts
from .vip.conftest import make_store

NOW = at(20, 10)  # 20 March 2026, 10:00 in the sites' zone
FORM_MODULES = [
    "salesoffice.forms",
    "reception.forms",
    "attribution.forms",
    "attribution.forms_office",
    "commission.forms",
    "vip.forms",
    "service_desk.forms",
]
# Bases that are mixed into forms, never shown on their own.
MIXINS = {"RequestKeyMixin", "SalespersonFieldMixin", "SiteForm"}
FUZZ = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def every_form() -> list[type[forms.BaseForm]]:
    found = []
    for module_name in FORM_MODULES:
        module = importlib.import_module(module_name)
        for name, obj in vars(module).items():
            if (
                inspect.isclass(obj)
                and issubclass(obj, forms.BaseForm)
                and obj.__module__ == module_name
                and name not in MIXINS
            ):
                found.append(obj)
    return found


IMPLAUSIBLE_DATES = ["0001-01-01", "9999-12-31", "1999-12-31", "0001-01-01T00:00", "9999-12-31T23:59", "0001-01"]
NASTY = [
    "",
    " ",
    "0",
    "-1",
    "1e309",
    "NaN",
    "-Infinity",
    "99999999999999999999999999",
    "0.001",
    "0000-00-00",
    "2026-02-30",
    "2026-13",
    "\x00",
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 ☃ 中文 عربي",
    "x" * 5000,
    *IMPLAUSIBLE_DATES,
]


def values_for(field: forms.Field) -> st.SearchStrategy[str]:
    """Anything a browser (or anyone with curl) might send for this field, the field's own choices included."""
    anything = st.one_of(
        st.sampled_from(NASTY),
        st.text(max_size=300),
        st.integers(min_value=-(2**70), max_value=2**70).map(str),
        st.floats(allow_nan=True, allow_infinity=True).map(str),
        st.dates().map(dt.date.isoformat),
        st.datetimes().map(lambda moment: moment.isoformat(timespec="minutes")),
    )
    choices = [str(value) for value, _label in getattr(field, "choices", []) if value not in ("", None)]
    return st.one_of(anything, st.sampled_from(choices)) if choices else anything


def form_data(draw, fields: dict[str, forms.Field]) -> MultiValueDict:
    data = MultiValueDict()
    for name, field in fields.items():
        if draw(st.booleans()) or field.required:
            data.setlist(name, draw(st.lists(values_for(field), min_size=1, max_size=2)))
    return data


@pytest.fixture
def world(site, salespeople, db):
    """A sales office with its rota, a store with a reward, and a property office: what the forms are built with."""
    with time_machine.travel(NOW, tick=False):
        store = make_store("Nanjing Road", "nanjing")
        office = Site.objects.create(name="Garden Court", code="garden", kind=Site.Kind.PROPERTY_OFFICE)
        reward = Reward.objects.create(store=store, name="Scarf", points=1, stock=3)
        people = get_user_model().objects.filter(pk__in=[p.pk for p in salespeople])
        yield {
            "site": site,
            "people": people,
            "store": store,
            "office": office,
            "reward": reward,
            "salespeople": salespeople,
        }


def form_kwargs(form_class: type[forms.BaseForm], world: dict) -> dict:
    """What each form is built with on its page (the people to choose from, the site's zone, the rewards...)."""
    site, people = world["site"], world["people"]
    by_name = {
        "DesignatedForm": {"salespeople": people},
        "AwayForm": {"salespeople": people},
        "ReadinessGridForm": {
            "people": [(p.pk, p.username) for p in world["salespeople"]],
            "unchecked_ids": {world["salespeople"][0].pk},
        },
        "ViolationForm": {"salespeople": people},
        "SwapForm": {"members": RotaMember.objects.filter(site=site)},
        "RosterForm": {"salespeople": people},
        "ChangeRequestForm": {"salespeople": people},
        "VisitRegisterForm": {"zone": site.zone, "salespeople": people, "choose_salesperson": True},
        "FollowUpPlanForm": {"clients": Client.objects.all(), "now": NOW},
        "ArchiveFilterForm": {"salespeople": people},
        "ArchiveExportForm": {"salespeople": people},
        "RegistrationForm": {"today": NOW.date()},
        "RedeemForm": {"rewards": [world["reward"]]},
        "HandInForm": {"stores": [world["store"]]},
    }
    if form_class.__name__ in by_name:
        return by_name[form_class.__name__]
    parameters = inspect.signature(form_class.__init__).parameters
    kwargs = {}
    if "zone" in parameters:
        kwargs |= {"zone": site.zone, "salespeople": people}
    if "site" in parameters:
        kwargs["site"] = world["office"]
    return kwargs


def test_every_date_on_every_form_is_bounded(world):
    """A date field without a plausible range is how year 1 reached a service (issue 16)."""
    unbounded = [
        f"{form_class.__module__}.{form_class.__name__}.{name}"
        for form_class in every_form()
        for name, field in form_class(**form_kwargs(form_class, world)).fields.items()
        if isinstance(field, forms.DateField | forms.DateTimeField)
        and not isinstance(field, BoundedDateField | BoundedDateTimeField)
    ]
    assert unbounded == []
    assert len(every_form()) > 50  # the enumeration finds the forms


@pytest.mark.parametrize("form_class", every_form(), ids=lambda form_class: form_class.__name__)
@FUZZ
@given(draw=st.data())
def test_a_form_answers_any_input_without_raising(world, form_class, draw):
    fields = form_class(**form_kwargs(form_class, world)).fields
    data = form_data(draw.draw, fields)
    with time_machine.travel(NOW, tick=False), timezone.override(world["site"].zone):
        form = form_class(data, **form_kwargs(form_class, world))
        valid = form.is_valid()
        assert isinstance(valid, bool)
        assert valid or form.errors
        str(form.errors)  # the messages themselves render (lazy translations, % formatting)
        for name, field in form.fields.items():
            sent = data.get(name, "")
            if isinstance(field, BoundedDateField | BoundedDateTimeField) and sent in IMPLAUSIBLE_DATES:
                day = dt.date.fromisoformat(sent[:10] if len(sent) >= 10 else f"{sent}-01")
                if field.plausible.problem(day, NOW.date()):
                    assert name in form.errors, (name, sent)


# --- POST pages, as the role that uses them -------------------------------------------------------------------


@pytest.fixture
def pages(world, supervisor, project_manager, client):
    """(url, the persona who posts, the form whose fields are fuzzed, what its page adds to the form's fields)."""
    site, store, office = world["site"], world["store"], world["office"]
    clerk = make_user("clerk", Role.STORE_CLERK, [store])
    store_manager = make_user("storemgr", Role.STORE_MANAGER, [store])
    desk_staff = make_user("deskstaff", Role.SERVICE_DESK_STAFF, [office])
    director = make_user("officedir", Role.OFFICE_DIRECTOR, [office])

    till_lines = {f"{part}_{n}": forms.CharField() for n in (1, 2) for part in ("amount", "item")}
    return {
        "visit": (reverse("attribution:register", args=[site.code]), supervisor, VisitRegisterForm, {}),
        "referral": (reverse("attribution:referral_new"), world["salespeople"][0], ReferralForm, {}),
        "follow_up": (
            reverse("attribution:my_follow_ups", args=[site.code]),
            world["salespeople"][0],
            FollowUpPlanForm,
            {},
        ),
        "violation": (reverse("reception:violations", args=[site.code]), supervisor, ViolationForm, {}),
        "deal": (reverse("commission:deal_new", args=[site.code]), project_manager, DealForm, {}),
        "till": (reverse("vip:till", args=[store.code]), clerk, PurchaseForm, till_lines),
        "campaign": (reverse("vip:campaigns", args=[store.code]), store_manager, CampaignForm, {}),
        "service_request": (reverse("service_desk:register", args=[office.code]), desk_staff, RequestForm, {}),
        "shift": (reverse("service_desk:duty", args=[office.code]), director, ShiftForm, {}),
    }


@pytest.mark.parametrize(
    "page", ["visit", "referral", "follow_up", "violation", "deal", "till", "campaign", "service_request", "shift"]
)
@FUZZ
@given(draw=st.data())
def test_a_post_page_never_answers_500_and_a_refusal_writes_nothing(world, pages, client, page, draw):
    address, persona, form_class, extra_fields = pages[page]
    fields = form_class(**form_kwargs(form_class, world)).fields | extra_fields
    data = form_data(draw.draw, fields)
    client.force_login(persona)
    with time_machine.travel(NOW, tick=False):
        before = row_counts()
        # The test client raises what the view raised: a 500 fails here with its traceback.
        response = client.post(address, data)
        assert response.status_code < 500, response.status_code
        if response.status_code != 302:  # refused: the page again, with its errors
            assert row_counts() == before


# The queries of one representative request of each page: a post of the empty form, refused with the page again.
# (The fuzzed posts above run as many queries as their input takes them; this pins the page's own cost.)
EMPTY_POST_QUERIES = {
    "visit": 6,
    "referral": 7,
    "follow_up": 8,
    "violation": 7,
    "deal": 8,
    "till": 5,
    "campaign": 8,
    "service_request": 6,
    "shift": 7,
}


@pytest.mark.parametrize("page", list(EMPTY_POST_QUERIES))
def test_an_empty_post_of_each_page_runs_its_queries(world, pages, client, page, django_assert_num_queries):
    address, persona, _form_class, _extra_fields = pages[page]
    client.force_login(persona)
    with time_machine.travel(NOW, tick=False):
        with django_assert_num_queries(EMPTY_POST_QUERIES[page]):
            response = client.post(address, {})
        assert response.status_code == 200
