"""Reading a `stream_save` body (catalog §5.2.3, §6.1, §6.5, §6.8) into our camera fields.

Bodies are patches: only keys present change. Unknown and read-only keys (`stats`, `path`,
`last_change`, …) are ignored; a wrong type or value is a 400 naming the field by JSON pointer (§4).
References (`organization_id`, `folder_id`, `preset_id`) are only read here; the view resolves them.
"""

from cameras.services.camera_save import CameraChange

from ..errors import InvalidBody
from ..openapi import BOOL, FREE, NUMBER, TEXT, array, component, nullable, obj

# API input key -> CameraInput field; `url` and `priority` are handled apart.
INPUT_TEXT = {"comment": "comment", "user_agent": "user_agent", "via": "via", "output_audio": "output_audio"}
INPUT_NUMBERS = {
    "source_timeout": "source_timeout",
    "video_timeout": "video_timeout",
    "audio_timeout": "audio_timeout",
    "frames_timeout": "frames_timeout",
    "max_retry_timeout": "max_retry_timeout",
    "timeout": "switch_timeout",
}

# Model field -> JSON pointer, to place the services' ValidationErrors (§4).
POINTERS = {
    "name": "/name",
    "title": "/title",
    "comment": "/comment",
    "static": "/static",
    "postal_address": "/postal_address",
    "notifications_enabled": "/notifications_enabled",
    "dvr_depth": "/dvr/expiration",
    "dvr_space_limit": "/dvr/storage_limit",
    "episodes_expiration": "/dvr/episodes_expiration",
    "redundancy_factor": "/dvr/redundancy_factor",
    "vision": "/vision",
    "latitude": "/coordinates/latitude",
    "longitude": "/coordinates/longitude",
    "ptz_enabled": "/onvif/ptz",
    "audio_transcode_codec": "/audio/transcode_audio_codec",
    "record_audio": "/audio/disabled",
    "preset": "/preset_id",
    "folder": "/folder_id",
    "organization": "/organization_id",
}
INPUT_POINTERS = {v: k for k, v in {**INPUT_TEXT, **INPUT_NUMBERS}.items()} | {
    "url": "url",
    "headers": "headers",
}

# What `"$reset": true` puts back for every field the body leaves out (the model defaults).
RESET = {
    "title": "",
    "comment": "",
    "static": True,
    "postal_address": "",
    "notifications_enabled": True,
    "dvr_depth": None,
    "dvr_space_limit": None,
    "episodes_expiration": None,
    "redundancy_factor": 0,
    "vision": {},
    "latitude": None,
    "longitude": None,
    "ptz_enabled": False,
    "audio_transcode_codec": "aac",
    "record_audio": True,
}


_INPUT_BODY = obj(
    "url",
    url=TEXT,
    priority={"type": "integer", "minimum": 1},
    headers={"type": "object", "additionalProperties": TEXT},
    **{key: TEXT for key in INPUT_TEXT},
    **{key: nullable(NUMBER) for key in INPUT_NUMBERS},
)
_PLACE = nullable(obj("latitude", "longitude", latitude=nullable(NUMBER), longitude=nullable(NUMBER)))
STREAM_BODY_SCHEMA = component(
    "StreamBody",
    obj(
        name=TEXT,
        title={"type": "string", "maxLength": 200},
        comment=TEXT,
        postal_address={"type": "string", "maxLength": 500},
        static=BOOL,
        notifications_enabled=BOOL,
        disabled=BOOL,
        is_favourite=BOOL,
        organization_id={"type": "integer", "minimum": 1},
        folder_id=nullable({"type": "integer", "minimum": 0}),
        preset_id=nullable({"type": "integer", "minimum": 0}),
        dvr=obj(
            expiration=nullable({"type": "integer", "minimum": 0}),
            storage_limit=nullable({"type": "integer", "minimum": 0}),
            episodes_expiration=nullable({"type": "integer", "minimum": 0}),
            redundancy_factor={"type": "integer", "minimum": 0},
        ),
        vision=FREE,
        coordinates=_PLACE,
        map_coordinates=_PLACE,
        onvif=obj(ptz=BOOL),
        audio=obj(transcode_audio_codec={"type": "string", "maxLength": 8}, disabled=BOOL),
        inputs=array(_INPUT_BODY),
        **{"$reset": BOOL},
    ),
)


# A parsed body is the camera save's own change (cameras.services.camera_save).
StreamPatch = CameraChange


def pointer_for(key: str) -> str:
    """The JSON pointer of a model field or an `inputs.<i>.<field>` key of a ValidationError."""
    if key.startswith("inputs."):
        _, index, name = key.split(".", 2)
        return f"/inputs/{index}/{INPUT_POINTERS.get(name, name)}"
    return POINTERS.get(key, "")


class _Reader:
    def __init__(self):
        self.problems: list[tuple[str, str]] = []

    def bad(self, pointer: str, message: str):
        self.problems.append((pointer, message))

    def text(self, value, pointer, max_length=None):
        if not isinstance(value, str):
            return self.bad(pointer, "must be a string")
        if max_length is not None and len(value) > max_length:
            return self.bad(pointer, f"must be at most {max_length} characters")
        return value

    def boolean(self, value, pointer):
        return value if isinstance(value, bool) else self.bad(pointer, "must be true or false")

    def integer(self, value, pointer, *, nullable=False, minimum=0):
        if value is None and nullable:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            return self.bad(pointer, "must be an integer")
        if minimum is not None and value < minimum:
            return self.bad(pointer, f"must be at least {minimum}")
        return value

    def number(self, value, pointer, *, nullable=False):
        if value is None and nullable:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            return self.bad(pointer, "must be a number")
        return value

    def obj(self, value, pointer) -> dict | None:
        if not isinstance(value, dict):
            self.bad(pointer, "must be an object")
            return None
        return value


def parse_stream_body(body) -> StreamPatch:
    """The patch a `stream_save` body describes; InvalidBody lists every offending field."""
    if not isinstance(body, dict):
        raise InvalidBody([("", "the body must be a JSON object")])
    r, patch = _Reader(), StreamPatch()
    patch.reset = body.get("$reset") is True
    for key, length in (("title", 200), ("comment", None), ("postal_address", 500)):
        if key in body:
            patch.fields[key] = r.text(body[key], f"/{key}", length)
    for key in ("static", "notifications_enabled"):
        if key in body:
            patch.fields[key] = r.boolean(body[key], f"/{key}")
    if "disabled" in body:
        disabled = r.boolean(body["disabled"], "/disabled")
        patch.enabled = None if disabled is None else not disabled
    if "is_favourite" in body:
        patch.favourite = r.boolean(body["is_favourite"], "/is_favourite")
    if "organization_id" in body:
        patch.organization_id = r.integer(body["organization_id"], "/organization_id", minimum=1)
    for key in ("folder_id", "preset_id"):
        if key in body:
            value = r.integer(body[key], f"/{key}", nullable=True, minimum=0)
            setattr(patch, key, None if not value else value)  # 0 is the seed's "none" (§6.1 example)
    _dvr(r, body, patch)
    _nested(r, body, patch)
    if "inputs" in body:
        patch.inputs = _inputs(r, body["inputs"])
    if r.problems:
        raise InvalidBody(r.problems)
    if patch.reset:
        patch.fields = {**RESET, **patch.fields}
        patch.inputs = [] if patch.inputs is None else patch.inputs
        patch.folder_id = None if patch.folder_id is False else patch.folder_id
        patch.preset_id = None if patch.preset_id is False else patch.preset_id
    return patch


def _dvr(r: _Reader, body: dict, patch: StreamPatch) -> None:
    if "dvr" not in body or (dvr := r.obj(body["dvr"], "/dvr")) is None:
        return
    for key, target in (
        ("expiration", "dvr_depth"),
        ("storage_limit", "dvr_space_limit"),
        ("episodes_expiration", "episodes_expiration"),
    ):
        if key in dvr:
            patch.fields[target] = r.integer(dvr[key], f"/dvr/{key}", nullable=True)
    if "redundancy_factor" in dvr:
        patch.fields["redundancy_factor"] = r.integer(dvr["redundancy_factor"], "/dvr/redundancy_factor")


def _nested(r: _Reader, body: dict, patch: StreamPatch) -> None:
    if "vision" in body and (vision := r.obj(body["vision"], "/vision")) is not None:
        patch.fields["vision"] = vision
    # `map_coordinates` is the deprecated duplicate (§6.1); `coordinates` wins when both are sent.
    for key in ("map_coordinates", "coordinates"):
        if key not in body:
            continue
        if body[key] is None:
            patch.fields.update(latitude=None, longitude=None)
        elif (place := r.obj(body[key], f"/{key}")) is not None:
            for axis in ("latitude", "longitude"):
                if axis not in place:
                    r.bad(f"/{key}/{axis}", "is required when the object is present")
                else:
                    patch.fields[axis] = r.number(place[axis], f"/{key}/{axis}", nullable=True)
    if "onvif" in body and (onvif := r.obj(body["onvif"], "/onvif")) is not None and "ptz" in onvif:
        patch.fields["ptz_enabled"] = r.boolean(onvif["ptz"], "/onvif/ptz")
    if "audio" in body and (audio := r.obj(body["audio"], "/audio")) is not None:
        if "transcode_audio_codec" in audio:
            codec = r.text(audio["transcode_audio_codec"], "/audio/transcode_audio_codec", 8)
            patch.fields["audio_transcode_codec"] = codec
        if "disabled" in audio:
            disabled = r.boolean(audio["disabled"], "/audio/disabled")
            patch.fields["record_audio"] = None if disabled is None else not disabled


def _inputs(r: _Reader, value) -> list[dict]:
    if not isinstance(value, list):
        r.bad("/inputs", "must be an array")
        return []
    inputs = []
    for index, item in enumerate(value):
        at = f"/inputs/{index}"
        if (given := r.obj(item, at)) is None:
            continue
        parsed = {
            "url": r.text(given.get("url"), f"{at}/url")
            if "url" in given
            else r.bad(f"{at}/url", "is required")
        }
        if parsed["url"] is not None and not parsed["url"].strip():
            r.bad(f"{at}/url", "must not be empty")
        for key, target in INPUT_TEXT.items():
            if key in given:
                parsed[target] = r.text(given[key], f"{at}/{key}")
        for key, target in INPUT_NUMBERS.items():
            if key in given:
                parsed[target] = r.number(given[key], f"{at}/{key}", nullable=True)
        if "headers" in given and (headers := r.obj(given["headers"], f"{at}/headers")) is not None:
            if not all(isinstance(v, str) for v in headers.values()):
                r.bad(f"{at}/headers", "values must be strings")
            parsed["headers"] = headers
        priority = r.integer(given["priority"], f"{at}/priority", minimum=1) if "priority" in given else None
        inputs.append((priority if priority is not None else index + 1, index, parsed))
    # §6.5: 1 is the highest priority; equal priorities keep list order.
    return [parsed for _, _, parsed in sorted(inputs, key=lambda t: (t[0], t[1]))]
