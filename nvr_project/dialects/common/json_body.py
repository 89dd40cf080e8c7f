"""JSON bodies checked before Python parses them: nesting depth and string content.

Python's parser raises RecursionError on a few thousand nested brackets, and it accepts `\\u0000`
and lone surrogates (`\\ud800`) that neither PostgreSQL nor SQLite can store. Both are refused
here, on the raw bytes, so every dialect answers them with its own 400 instead of a 500.
"""

import json
import re
from itertools import accumulate

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

MAX_DEPTH = 32  # our deepest documents (vision areas, layouts) nest about five levels
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_ESCAPE = re.compile(rb"\\(?:u([0-9a-fA-F]{4})|.)", re.DOTALL)
NUL_MESSAGE = "strings must not contain NUL characters (\\u0000)"


def _too_deep(raw: bytes) -> bool:
    brackets = _STRING.sub(b"", raw).translate(None, _NOT_BRACKETS)
    if len(brackets) <= MAX_DEPTH:
        return False
    return max(accumulate(1 if b in b"[{" else -1 for b in brackets)) > MAX_DEPTH


def _bad_escape(raw: bytes) -> str | None:
    """The problem with a `\\u` escape: NUL, or a surrogate that is not half of a pair."""
    pending_high = None  # the end offset of a high surrogate escape still waiting for its low half
    for match in _ESCAPE.finditer(raw):
        code = int(match.group(1), 16) if match.group(1) else None
        if pending_high is not None:
            if match.start() != pending_high or code is None or not 0xDC00 <= code <= 0xDFFF:
                return "strings must not contain unpaired surrogates (\\ud800-\\udfff)"
            pending_high = None
            continue
        if code == 0:
            return NUL_MESSAGE
        if code is not None and 0xD800 <= code <= 0xDBFF:
            pending_high = match.end()
        elif code is not None and 0xDC00 <= code <= 0xDFFF:
            return "strings must not contain unpaired surrogates (\\ud800-\\udfff)"
    if pending_high is not None:
        return "strings must not contain unpaired surrogates (\\ud800-\\udfff)"
    return None


def body_problem(raw: bytes) -> str | None:
    """Why a JSON body must be refused before parsing, or None. Syntax errors are the parser's."""
    if _too_deep(raw):
        return f"the JSON body nests deeper than {MAX_DEPTH} levels"
    if b"\\" in raw:
        return _bad_escape(raw)
    return None


def json_loads(raw: bytes):
    """`json.loads` for a body that passed `body_problem`; ValueError for anything unreadable."""
    problem = body_problem(raw)
    if problem:
        raise ValueError(problem)
    return json.loads(raw)


class CheckedJSONParser(JSONParser):
    """DRF's JSON parser behind `body_problem`: too deep or unstorable text is a ParseError (400)."""

    def parse(self, stream, media_type=None, parser_context=None):
        raw = stream.read() if stream is not None else b""
        if not raw:
            raise ParseError("JSON parse error - the body is empty")
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError as exc:
            raise ParseError(f"JSON parse error - the body is not {encoding}") from exc
        problem = body_problem(raw)
        if problem:
            raise ParseError(problem)
        try:
            return json.loads(text, parse_constant=_refuse_constant if self.strict else None)
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from exc


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not JSON")
