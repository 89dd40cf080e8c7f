"""`from`/`to` query parameters: unix seconds or ISO 8601, checked before any query runs."""

import datetime as dt

MAX_RANGE = dt.timedelta(hours=24)


class TimeRangeError(ValueError):
    pass


def parse_instant(value: str, name: str) -> dt.datetime:
    try:
        return dt.datetime.fromtimestamp(float(value), tz=dt.UTC)
    except (ValueError, OverflowError, OSError):
        pass
    # An unencoded "+01:00" arrives as " 01:00": take it as the "+" it was meant to be.
    value = value.strip().replace(" ", "+") if "T" in value else value
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise TimeRangeError(f"`{name}` must be unix seconds or ISO 8601, not {value!r}") from None
    if moment.tzinfo is None:
        raise TimeRangeError(f"`{name}` needs a time zone (Z or +hh:mm)")
    return moment.astimezone(dt.UTC)


def parse_range_params(params, *, max_range: dt.timedelta = MAX_RANGE) -> tuple[dt.datetime, dt.datetime]:
    for name in ("from", "to"):
        if not params.get(name):
            raise TimeRangeError(f"`{name}` is required")
    start, end = parse_instant(params["from"], "from"), parse_instant(params["to"], "to")
    if end <= start:
        raise TimeRangeError("`to` must be after `from`")
    if end - start > max_range:
        raise TimeRangeError(f"a range may span at most {max_range.total_seconds() / 3600:g} hours")
    return start, end
