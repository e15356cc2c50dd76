"""Who sees which campaign records, decided once (DESIGN.md §4)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Self

from django.db import models
from django.db.models import Exists, OuterRef, Q

from accounts.customers.querysets import visible_customer
from crm.querysets import related_model

if TYPE_CHECKING:
    from crm.models import User


class CampaignQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> CampaignQuerySet:
        """Campaigns hold no customer data: everyone signed in may see what is running."""
        if not user.is_authenticated:
            return self.none()
        return self


class CampaignMaterialQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> CampaignMaterialQuerySet:
        """The campaign desk's files (info staff, managers, admin: who open the campaign's page), of the
        campaigns they see. Salespeople reach no campaign page, so none of its files either."""
        if not user.is_authenticated or not (user.sees_everything or user.is_info_staff or user.is_manager):
            return self.none()
        # The campaign model through the relation, not an import: campaigns.models imports this module.
        campaign_model = related_model(self, "campaign")
        return self.filter(campaign__in=campaign_model.objects.visible_to(user).values("pk"))


class ProspectImportQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> ProspectImportQuerySet:
        """Admin and info staff: every import (they share the desk). Managers: their own. Others: none."""
        if not user.is_authenticated:
            return self.none()
        if user.sees_everything or user.is_info_staff:
            return self
        if user.is_manager:
            return self.filter(created_by=user)
        return self.none()


class PhoneInquiryQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> PhoneInquiryQuerySet:
        """Admin and info staff: all. Salesperson: routed to them. Manager: routed to their team, plus
        the inquiries nobody could be found for (the "to be assigned" queue they work)."""
        if not user.is_authenticated:
            return self.none()
        if user.sees_everything or user.is_info_staff:
            return self
        if user.is_salesperson:
            return self.filter(salesperson=user)
        if user.is_manager:
            return self.filter(Q(salesperson__team__manager=user) | Q(salesperson__isnull=True))
        return self.none()


class EventQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> Self:
        """Salespeople see the events they staff; everyone else signed in sees all."""
        if not user.is_authenticated:
            return self.none()
        if user.is_salesperson and not user.is_superuser:
            return self.filter(staff=user)
        return self


class CompetitorReportQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> CompetitorReportQuerySet:
        """Market intelligence is shared with everyone signed in."""
        if not user.is_authenticated:
            return self.none()
        return self


class SegmentQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> SegmentQuerySet:
        """The campaign desk (info staff, managers, admin) shares its segments: a segment is a filter, it holds
        no customer, and each person evaluates it within their own scope (``campaigns.segments``)."""
        if not user.is_authenticated:
            return self.none()
        if user.sees_everything or user.is_info_staff or user.is_manager:
            return self
        return self.none()


class SmsReplyQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> SmsReplyQuerySet:
        """A reply matched to a customer: whoever sees the customer. One from an unknown number (no customer): the
        campaign desk (info staff, managers, admin), who find out whose it is."""
        if not user.is_authenticated:
            return self.none()
        if user.sees_everything:
            return self
        matched = Q(customer__isnull=False) & visible_customer(self, user)
        if user.is_info_staff or user.is_manager:
            return self.filter(matched | Q(customer__isnull=True))
        return self.filter(matched)


class CallListQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> CallListQuerySet:
        """Admin and info staff: every call list (they run the telemarketing desk). Manager: the lists they made
        and those a member of their teams calls or called. Salesperson: the lists they call now. Others: none."""
        if not user.is_authenticated:
            return self.none()
        if user.sees_everything or user.is_info_staff:
            return self
        # The caller rows through the relation, not an import: campaigns.models imports this module.
        rows = related_model(self, "caller_rows").objects.filter(call_list=OuterRef("pk"))
        if user.is_manager:
            return self.filter(Q(created_by=user) | Exists(rows.filter(caller__team__manager=user)))
        if user.is_salesperson:
            return self.filter(Exists(rows.filter(caller=user, removed_at__isnull=True)))
        return self.none()


class CallEntryQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> CallEntryQuerySet:
        """A caller sees the numbers given to them, nobody else's. Admin and info staff: all; a manager the
        numbers of the call lists they see."""
        if not user.is_authenticated:
            return self.none()
        if user.sees_everything or user.is_info_staff:
            return self
        if user.is_salesperson:
            return self.filter(caller=user)
        if user.is_manager:
            call_list_model = related_model(self, "call_list")
            return self.filter(call_list__in=call_list_model.objects.visible_to(user).values("pk"))
        return self.none()
