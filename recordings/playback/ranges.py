"""HTTP byte ranges (RFC 9110 §14): one range per request, what players and browsers send."""


class RangeNotSatisfiable(Exception):
    pass


def parse_range(header: str, size: int) -> tuple[int, int] | None:
    """`(first, last)` inclusive for a `Range: bytes=…` header, None to send the whole body.

    Several ranges, or a unit other than bytes, are answered with the whole body, as RFC 9110
    allows; a range that starts past the end raises RangeNotSatisfiable (416).
    """
    unit, _, spec = header.partition("=")
    if unit.strip().lower() != "bytes" or "," in spec:
        return None
    first_text, dash, last_text = spec.strip().partition("-")
    if not dash:
        return None
    try:
        if first_text == "":  # the last N bytes
            length = int(last_text)
            if length <= 0:
                raise RangeNotSatisfiable
            return max(0, size - length), size - 1
        first = int(first_text)
        last = int(last_text) if last_text else size - 1
    except ValueError:
        return None
    if first >= size:
        raise RangeNotSatisfiable
    if first < 0 or last < first:
        return None
    return first, min(last, size - 1)
