"""Callback requests: a customer or lead asks to be called back, and agents work the requests
from a priority queue with an SLA. Each tenant tunes the priority weights, category thresholds,
SLA times, attempts and business hours in its CallbackSettings, and lists its holidays as
BusinessHoliday rows."""

from .choices import (
    CLOSED_CALLBACK_STATUSES,
    OPEN_CALLBACK_STATUSES,
    CallbackActivityKind,
    CallbackOutcome,
    CallbackReason,
    CallbackSource,
    CallbackStatus,
    PriorityCategory,
)
from .requests import CallbackActivity, CallbackRequest
from .settings import WEEKDAYS, BusinessHoliday, CallbackSettings

__all__ = [
    "CLOSED_CALLBACK_STATUSES",
    "OPEN_CALLBACK_STATUSES",
    "WEEKDAYS",
    "BusinessHoliday",
    "CallbackActivity",
    "CallbackActivityKind",
    "CallbackOutcome",
    "CallbackReason",
    "CallbackRequest",
    "CallbackSettings",
    "CallbackSource",
    "CallbackStatus",
    "PriorityCategory",
]
