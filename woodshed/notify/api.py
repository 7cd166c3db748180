"""`/reminders`, `/notifications` and notification settings in the JSON API."""

from __future__ import annotations

import uuid

from woodshed import policy
from woodshed.api import ApiBlueprint, Reply, if_match_version
from woodshed.api.pagination import ListQuery, Page
from woodshed.db import check_version
from woodshed.notify import services
from woodshed.notify.models import Notification, Reminder
from woodshed.notify.schemas import (
    NotificationOut,
    NotificationQuery,
    ReminderIn,
    ReminderOut,
    ReminderUpdate,
    SettingsIn,
    SettingsOut,
    UnreadOut,
)

api = ApiBlueprint("notify_api", __name__, tag="Reminders")


def _out(profile, reminder: Reminder) -> dict:
    return services.reminders_with_stats(profile, [reminder])[0]


@api.operation(
    "GET", "/reminders", summary="Your reminders", query=ListQuery, response=Page[ReminderOut]
)
def list_reminders(profile, query: ListQuery):
    reminders, cursor = services.list_reminders(profile, query)
    return Page(items=services.reminders_with_stats(profile, reminders), next_cursor=cursor)


@api.operation(
    "POST",
    "/reminders",
    summary="Create a reminder",
    body=ReminderIn,
    response=ReminderOut,
    status=201,
    etag=True,
    idempotent_create=True,
    description="Kinds: before_occurrence (minutes_before), daily/weekly (time, days), "
    "inactivity (after_days), goal_deadline (days_before). Channels in_app and/or email.",
)
def create_reminder(profile, body: ReminderIn):
    reminder, created = services.create_reminder(profile, body)
    return Reply(_out(profile, reminder), status=201 if created else 200, version=reminder.version)


@api.operation(
    "GET", "/reminders/<uuid:reminder_id>", summary="One reminder", response=ReminderOut, etag=True
)
def get_reminder(profile, reminder_id: uuid.UUID):
    reminder = policy.owned_or_404(Reminder, reminder_id, profile)
    return Reply(_out(profile, reminder), version=reminder.version)


@api.operation(
    "PATCH",
    "/reminders/<uuid:reminder_id>",
    summary="Edit a reminder (e.g. switch it off with active: false)",
    body=ReminderUpdate,
    response=ReminderOut,
    etag=True,
)
def patch_reminder(profile, reminder_id: uuid.UUID, body):
    reminder = policy.owned_or_404(Reminder, reminder_id, profile)
    check_version(reminder, if_match_version())
    services.update_reminder(profile, reminder, body.model_dump(exclude_unset=True))
    return Reply(_out(profile, reminder), version=reminder.version)


@api.operation(
    "DELETE", "/reminders/<uuid:reminder_id>", summary="Delete a reminder", status=204, etag=True
)
def delete_reminder(profile, reminder_id: uuid.UUID):
    reminder = policy.owned_or_404(Reminder, reminder_id, profile)
    check_version(reminder, if_match_version())
    services.delete_reminder(reminder)


@api.operation(
    "GET",
    "/me/notification-settings",
    summary="Quiet hours and weekly summary",
    response=SettingsOut,
)
def get_settings(profile):
    return services.settings_values(profile)


@api.operation(
    "PUT",
    "/me/notification-settings",
    summary="Set quiet hours and weekly summary",
    body=SettingsIn,
    response=SettingsOut,
)
def put_settings(profile, body: SettingsIn):
    services.update_settings(profile, body)
    return services.settings_values(profile)


@api.operation(
    "GET",
    "/notifications",
    summary="Your notifications, newest first",
    query=NotificationQuery,
    response=Page[NotificationOut],
    tags=["Notifications"],
)
def list_notifications(profile, query: NotificationQuery):
    rows, cursor = services.list_notifications(profile, query)
    return Page(items=rows, next_cursor=cursor)


@api.operation(
    "GET",
    "/notifications/unread-count",
    summary="How many notifications are unread",
    response=UnreadOut,
    tags=["Notifications"],
)
def unread_count(profile):
    return {"unread": services.unread_count(profile)}


@api.operation(
    "POST",
    "/notifications/read-all",
    summary="Mark every notification read",
    response=UnreadOut,
    tags=["Notifications"],
)
def read_all(profile):
    services.mark_all_read(profile)
    return {"unread": 0}


@api.operation(
    "POST",
    "/notifications/<uuid:notification_id>/read",
    summary="Mark one notification read",
    response=NotificationOut,
    tags=["Notifications"],
)
def read_one(profile, notification_id: uuid.UUID):
    return services.mark_read(policy.owned_or_404(Notification, notification_id, profile))
