"""Dates as readers see them: "December 12th, 2007 at 8:16 AM"."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

# Not strftime's %B: that follows the server's locale, and readers should always see these.
MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


def ordinal(day: int) -> str:
    """1 -> 1st, 2 -> 2nd, 11 -> 11th, 22 -> 22nd."""
    if 11 <= day % 100 <= 13:  # the teens are all "th"
        return f"{day}th"
    return f"{day}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(day % 10, 'th') }"


def localize(moment: datetime, zone: str) -> datetime:
    """Stored naive-UTC timestamps shown in the site's time zone."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(ZoneInfo(zone))


def long_date(moment: datetime) -> str:
    hour = moment.hour % 12 or 12
    meridiem = "AM" if moment.hour < 12 else "PM"
    month = MONTHS[moment.month - 1]
    return f"{month} {ordinal(moment.day)}, {moment.year} at {hour}:{moment.minute:02d} {meridiem}"


def short_date(moment: datetime) -> str:
    return f"{MONTHS[moment.month - 1]} {ordinal(moment.day)}, {moment.year}"
