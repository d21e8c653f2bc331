"""The desk's four action forms are written out by hand (templates/reception/partials/forms/fields.html) for speed;
they must render what crispy-forms renders on every other page: the same inputs, labels, required marks, values,
and errors next to their field with the same ids."""

from html.parser import HTMLParser

import pytest
from django.contrib.auth import get_user_model
from django.template import Context, Template
from django.template.loader import get_template
from django.utils import translation

from reception.forms import AwayForm, DesignatedForm, ReturningForm, WalkInForm
from salesoffice.models import display_name

CRISPY = Template("{% load crispy_forms_tags %}{{ form|crispy }}")
# Classes crispy adds for its own styling hooks; Bootstrap does not use them.
CRISPY_ONLY = {"textinput", "numberinput", "select", "checkboxinput"}


class _Markup(HTMLParser):
    def __init__(self):
        super().__init__()
        self.out: list = []

    def handle_starttag(self, tag, attrs):
        classes = frozenset(dict(attrs).get("class", "").split()) - CRISPY_ONLY
        self.out.append((tag, frozenset((k, v) for k, v in attrs if k != "class"), classes))

    def handle_endtag(self, tag):
        self.out.append(f"/{tag}")

    def handle_data(self, data):
        if text := " ".join(data.split()):
            self.out.append(text)


def markup(html: str) -> list:
    parser = _Markup()
    parser.feed(html)
    return parser.out


def forms(people, options) -> dict:
    """Each case: the form as the desk renders it, and the form crispy renders for comparison."""
    bound = {
        "walk_in": WalkInForm(
            {"walkin-request_key": "k", "walkin-client_label": "x" * 121, "walkin-introduced_by_old_client": "on"},
            prefix="walkin",
        ),
        "returning": ReturningForm(
            {"returning-request_key": "k", "returning-phone": "", "returning-party_new_clients": "21"},
            prefix="returning",
        ),
        "designated": DesignatedForm(
            {"designated-salesperson": "0", "designated-client_label": "<b>Mr Chen</b>"},
            prefix="designated",
            salespeople=people,
        ),
        "away": AwayForm(
            {"away-salesperson": str(people[1].pk), "away-reason": "lunch", "away-detail": "d<&>"},
            prefix="away",
            salespeople=people,
        ),
    }
    for form in bound.values():
        form.is_valid()
    bound["walk_in"].add_error(None, "A form-wide error")
    fresh = {
        "walk_in fresh": WalkInForm(prefix="walkin", initial={"request_key": "k"}),
        "returning fresh": ReturningForm(prefix="returning", initial={"request_key": "k"}),
        "designated fresh": DesignatedForm(prefix="designated", initial={"request_key": "k"}, salespeople=people),
        "away fresh": AwayForm(prefix="away", salespeople=people),
    }
    return {name: (form, form) for name, form in {**bound, **fresh}.items()} | {
        # The board page reads the people once for both forms that list them (`options`): the same select.
        "designated options": (
            DesignatedForm(prefix="designated", initial={"request_key": "k"}, salespeople=people, options=options),
            fresh["designated fresh"],
        ),
        "away options": (AwayForm(prefix="away", salespeople=people, options=options), fresh["away fresh"]),
    }


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_hand_written_desk_forms_render_as_crispy_does(language, site, salespeople):
    people = get_user_model().objects.filter(pk__in=[person.pk for person in salespeople]).order_by("pk")
    options = [(person.pk, display_name(person)) for person in people]
    fields = get_template("reception/partials/forms/fields.html")
    with translation.override(language):
        for name, (form, crispy_form) in forms(people, options).items():
            expected = markup(CRISPY.render(Context({"form": crispy_form})))
            assert markup(fields.render({"form": form})) == expected, name
