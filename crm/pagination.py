"""Pagination of lists that can grow past what is worth counting (a team's visits: ~100,000 rows).

Counting every row of such a list on every page view costs more than the page itself. The capped
paginator counts at most ``cap`` + 1 rows: up to the cap it behaves like Django's paginator ("Page
2 of 7"); past it the list says "more than ``cap``" and the pager goes on page by page, with "Next"
as long as a page has more rows behind it.
"""

from __future__ import annotations

from math import ceil

from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property

COUNT_CAP = 1000


class CappedPage(Page):
    """A page of a list whose total is not known: whether a next page exists was read with the rows."""

    def __init__(self, object_list, number: int, paginator: CappedPaginator, *, has_more: bool) -> None:
        super().__init__(object_list, number, paginator)
        self.has_more = has_more

    def has_next(self) -> bool:
        return self.has_more

    def end_index(self) -> int:
        return self.start_index() + len(self.object_list) - 1


class CappedPaginator(Paginator):
    """Django's paginator over a queryset, counting at most ``cap`` + 1 rows (one COUNT of a LIMITed subquery).

    ``count_is_capped`` tells whether the list is longer than the cap; ``count`` is then ``cap`` + 1
    and ``num_pages`` a lower bound. Past the cap any page number is accepted; such a page reads
    ``per_page`` + 1 rows to know whether there is a next one (no extra query), and a number past
    the end falls back to the last counted page.
    """

    def __init__(self, object_list: QuerySet, per_page: int, *, cap: int | None = None, **kwargs) -> None:
        super().__init__(object_list, per_page, **kwargs)
        self.cap = COUNT_CAP if cap is None else cap

    @cached_property
    def count(self) -> int:
        # Without the ORDER BY the planner may take any cap + 1 matching rows (a team's visits: a
        # few thousand heap rows), instead of walking the ordering's index past the others.
        return self.object_list.order_by()[: self.cap + 1].count()

    @property
    def count_is_capped(self) -> bool:
        return self.count > self.cap

    @cached_property
    def num_pages(self) -> int:
        return ceil(self.count / self.per_page) if self.count_is_capped else super().num_pages

    def validate_number(self, number) -> int:
        if not self.count_is_capped:
            return super().validate_number(number)
        try:
            if isinstance(number, float) and not number.is_integer():
                raise ValueError
            number = int(number)
        except (TypeError, ValueError) as error:
            raise PageNotAnInteger(self.error_messages["invalid_page"]) from error
        if number < 1:
            raise EmptyPage(self.error_messages["min_page"])
        return number

    def page(self, number) -> Page:
        number = self.validate_number(number)
        if not self.count_is_capped:
            return super().page(number)
        bottom = (number - 1) * self.per_page
        rows = list(self.object_list[bottom : bottom + self.per_page + 1])
        if not rows and number > 1:
            raise EmptyPage(self.error_messages["no_results"])
        return CappedPage(rows[: self.per_page], number, self, has_more=len(rows) > self.per_page)

    def get_page(self, number) -> Page:
        try:
            return self.page(number)
        except PageNotAnInteger:
            return self.page(1)
        except EmptyPage:
            return self.page(self.num_pages if self.num_pages >= 1 else 1)
