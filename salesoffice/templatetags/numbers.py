"""How money and counts read on every page: `{% load numbers %}` then `{{ deal.price|money }}` (¥2,122,888.94),
`{{ total|money_short }}` in summaries (212.3万 for a Chinese reader, ¥2.12M for an English one) and
`{{ points|count }}` (12,345). The figures are made by salesoffice.money, the one money module, so a page, a chart
and an export show the same text for the same amount."""

from django import template
from django.utils.translation import get_language

from salesoffice.money import count_text, money_summary, money_text

register = template.Library()


@register.filter
def money(value) -> str:
    return money_text(value)


@register.filter
def money_short(value) -> str:
    return money_summary(value, get_language() or "zh-hans")


@register.filter
def count(value) -> str:
    return count_text(value)
