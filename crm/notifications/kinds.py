"""The kinds of notification a person can route to other channels, with their labels and defaults.

A kind not listed here still reaches the in-app inbox; it just cannot be sent anywhere else."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from crm.models import Delivery

Channel = Delivery.Channel


@dataclass(frozen=True)
class Kind:
    code: str
    label: Promise
    default_channels: tuple[str, ...] = ()


# In the order of the settings page.
KINDS: tuple[Kind, ...] = (
    Kind("phone_inquiry", _("An inquiry routed to me")),
    Kind("phone_inquiry_unrouted", _("An inquiry nobody could be routed to")),
    Kind("phone_inquiry_overdue", _("An inquiry not visited in time")),
    Kind("phone_inquiries_reassigned", _("Inquiries moved to me with a territory")),
    Kind("quota_shortfall", _("A visit shortfall to explain")),
    Kind("quota_shortfall_withdrawn", _("A shortfall withdrawn")),
    Kind("shortfall_explained", _("A shortfall explained")),
    Kind("shortfall_reviewed", _("My explanation reviewed")),
    Kind("approval_waiting", _("A request waits for my approval")),
    Kind("approval_reminder", _("A reminder of a request still waiting")),
    Kind("approval_decided", _("My request decided")),
    Kind("joint_visit_request", _("A joint visit asked of me")),
    Kind("joint_visit_answer", _("A joint visit answered")),
    Kind("daily_report_comment", _("A daily report commented")),
    Kind("churn_risk", _("A customer at risk of churning")),
    Kind("far_check_in", _("A check-in far from the customer"), (Channel.EMAIL,)),
    Kind("forms_amended", _("Daily forms amended after submission")),
    Kind("key_account_shortlist", _("My key-account shortlist")),
    Kind("renewal_due", _("A renewal due")),
    Kind("instalment_due", _("An instalment due")),
    Kind("policy_expiring", _("A customer's policy expiring")),
)
KINDS_BY_CODE: dict[str, Kind] = {kind.code: kind for kind in KINDS}
CHANNELS: tuple[str, ...] = tuple(Channel.values)


def kind_label(code: str) -> str:
    kind = KINDS_BY_CODE.get(code)
    return str(kind.label) if kind else code


def chosen_channels(channels_by_kind: dict, kind: str) -> tuple[str, ...]:
    """The channels a person chose for ``kind`` (their ``notification_channels``), else the kind's default."""
    known = KINDS_BY_CODE.get(kind)
    if known is None:
        return ()
    chosen = channels_by_kind.get(kind) if isinstance(channels_by_kind, dict) else None
    if not isinstance(chosen, list):
        return known.default_channels
    return tuple(channel for channel in CHANNELS if channel in chosen)
