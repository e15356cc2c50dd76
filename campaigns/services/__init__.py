"""Writes of the campaigns app, one module per area; import from here."""

from campaigns.services.campaigns import add_campaign_material, create_campaign, create_event, report_competitor
from campaigns.services.imports import (
    check_prospect_import,
    commit_prospect_import,
    request_import_check,
    request_import_commit,
    set_import_mapping,
    start_prospect_import,
    stop_stalled_imports,
)
from campaigns.services.inquiries import (
    assign_phone_inquiry,
    drop_phone_inquiry,
    flag_overdue_inquiries,
    mark_inquiries_visited_by,
    mark_inquiry_converted,
    mark_inquiry_visited,
    move_phone_inquiries_of_territory,
    record_deal_from_inquiry,
    register_phone_inquiry,
    salesperson_to_credit,
)
from campaigns.services.mailings import (
    create_mailing,
    handle_sms_reply,
    record_opt_out,
    send_email_batch,
    send_mailing,
    send_sms_batch,
    unsubscribe_token,
)

__all__ = [
    "add_campaign_material",
    "assign_phone_inquiry",
    "check_prospect_import",
    "commit_prospect_import",
    "create_campaign",
    "create_event",
    "create_mailing",
    "drop_phone_inquiry",
    "flag_overdue_inquiries",
    "handle_sms_reply",
    "mark_inquiries_visited_by",
    "mark_inquiry_converted",
    "mark_inquiry_visited",
    "move_phone_inquiries_of_territory",
    "record_deal_from_inquiry",
    "record_opt_out",
    "register_phone_inquiry",
    "report_competitor",
    "request_import_check",
    "request_import_commit",
    "salesperson_to_credit",
    "send_email_batch",
    "send_mailing",
    "send_sms_batch",
    "set_import_mapping",
    "start_prospect_import",
    "stop_stalled_imports",
    "unsubscribe_token",
]
