"""Numbers people read: sizes, speeds, durations, time left, relative dates."""

from __future__ import annotations

from datetime import datetime, timezone

_UNITS = ("B", "KB", "MB", "GB", "TB")


def human_bytes(count: float) -> str:
    """Sizes in decimal units, as file managers show them, so numbers match what people see."""
    value = float(max(count, 0))
    for unit in _UNITS:
        if value < 1000 or unit == _UNITS[-1]:
            break
        value /= 1000
    if unit == "B":
        return f"{int(value)} B"
    return f"{value:.1f} {unit}" if value < 100 else f"{value:.0f} {unit}"


def human_speed(bytes_per_second: float | None) -> str:
    """Transfer speed, or an empty string until there is a measurement."""
    if not bytes_per_second:
        return ""
    return f"{human_bytes(bytes_per_second)}/s"


def human_duration(milliseconds: int | None) -> str:
    """A clip length like a player shows it: 0:07, 3:25, 1:02:03."""
    if milliseconds is None or milliseconds < 0:
        return ""
    seconds = round(milliseconds / 1000)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{minutes}:{secs:02d}"


def time_left(seconds: float | None) -> str:
    """A calm estimate of the remaining time, rounded the way people say it."""
    if seconds is None:
        return ""
    if seconds < 5:
        return "a few seconds left"
    if seconds < 60:
        return f"{int(round(seconds / 5) * 5)} s left"
    if seconds < 3600:
        return f"{int(round(seconds / 60))} min left"
    hours, rest = divmod(int(seconds), 3600)
    return f"{hours} h {rest // 60} min left"


def relative_date(iso: str | None, now: datetime) -> str:
    """When a video was added, relative to now (just now, 5 min ago, 3 days ago)."""
    if not iso:
        return ""
    try:
        when = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        return ""
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    seconds = (now - when).total_seconds()
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    if seconds < 86400:
        return f"{int(seconds // 3600)} h ago"
    days = int(seconds // 86400)
    if days < 30:
        return "yesterday" if days == 1 else f"{days} days ago"
    return when.strftime("%d %b %Y")
