"""Credentials kept out of every log line, audit event and error text: `user:password@` becomes `user:***@`.

Camera URLs arrive with their credentials (`rtsp://admin:secret@10.0.0.5/`), and libraries echo
them in their errors. Whatever text we record passes `mask_url_credentials`, and `MaskingFilter`
does the same for every log record (its message and its traceback). The media pipeline, which
imports nothing of ours, strips credentials itself (`SourceConfig.safe_url`); the filter is its net.
"""

import logging
import re

MASK = "***"
# scheme://netloc: the netloc runs to the first / ? # or blank; its userinfo ends at its last @.
_URL_NETLOC = re.compile(r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.-]*://)(?P<netloc>[^\s/?#\"'<>]*)")


def _masked_netloc(match: re.Match) -> str:
    userinfo, at, host = match["netloc"].rpartition("@")
    if not at or ":" not in userinfo:
        return match[0]
    user = userinfo.split(":", 1)[0]
    return f"{match['scheme']}{user}:{MASK}@{host}"


def mask_url_credentials(text: str) -> str:
    """`text` with the password of every URL in it replaced by `***` (the user name stays)."""
    if not isinstance(text, str) or "://" not in text:
        return text
    return _URL_NETLOC.sub(_masked_netloc, text)


def masked(value):
    """A JSON-like value with `mask_url_credentials` applied to every string in it."""
    if isinstance(value, str):
        return mask_url_credentials(value)
    if isinstance(value, dict):
        return {k: masked(v) for k, v in value.items()}
    if isinstance(value, list):
        return [masked(v) for v in value]
    return value


class MaskingFilter(logging.Filter):
    """A handler filter: log records leave with URL credentials masked, traceback included."""

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string is the handler's to report
            return True
        clean = mask_url_credentials(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:
            record.exc_text = mask_url_credentials(self._formatter.formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = mask_url_credentials(record.exc_text)
        return True
