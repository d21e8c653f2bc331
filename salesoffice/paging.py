"""A page of a list without counting the list: for lists that grow with history (issue 17), where the reader needs
the next and previous pages, not how many there are."""

from django.db.models import QuerySet


class UncountedPage:
    """Page `number` of an ordered queryset, read with one LIMIT per_page + 1 query (the extra row says whether a
    next page exists). Offers what templates/partials/pagination.html reads; `paginator` is None: there is no total.
    Cheap when the queryset's ORDER BY is served by an index; a far page costs its offset, never the whole list."""

    paginator = None

    def __init__(self, queryset: QuerySet, per_page: int, number: object):
        try:
            self.number = max(1, int(str(number)))
        except ValueError:
            self.number = 1
        start = (self.number - 1) * per_page
        rows = list(queryset[start : start + per_page + 1])
        self.object_list = rows[:per_page]
        self._more = len(rows) > per_page

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)

    def has_next(self) -> bool:
        return self._more

    def has_previous(self) -> bool:
        return self.number > 1

    def has_other_pages(self) -> bool:
        return self.has_next() or self.has_previous()

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1
