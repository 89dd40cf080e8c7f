"""Reading a FolderWrite body (catalog §5.14.2, §5.14.4, §6.14) into what our folder services take.

Bodies are patches (§4): keys left out keep their value, read-only keys (`id`, `streams_count`,
`hierarchy.level`, `floor_plan.file.url`, …) and unknown keys are ignored, and a wrong type or
value is a 400 naming the field by JSON pointer. Folder ids are only read here; the view resolves them.
"""

import base64
import binascii
from dataclasses import dataclass, field

from ..errors import InvalidBody
from ..openapi import INT, NUMBER, TEXT, component, nullable, obj

CORNERS = ("bottomleft", "topleft", "topright")
DIRECTIONS = ("after", "before", "inside")
NOT_GIVEN = object()
MAX_INT = 2**31 - 1  # ids and positions; larger numbers name nothing (and overflow the database)

# Model field (or service key) of a ValidationError -> JSON pointer (§4).
POINTERS = {
    "title": "/title",
    "latitude": "/coordinates/latitude",
    "longitude": "/coordinates/longitude",
    "floor_plan": "/floor_plan/file",
    "floor_plan_anchors": "/floor_plan",
    "parent": "/parent_id",
}

_PLACE = nullable(obj("latitude", "longitude", latitude=NUMBER, longitude=NUMBER))
FOLDER_BODY_SCHEMA = component(
    "FolderWrite",
    obj(
        title=TEXT,
        parent_id=nullable(INT),
        coordinates=_PLACE,
        floor_plan=nullable(
            obj(
                file=nullable(obj(b64_content=TEXT, binary_content=TEXT, mime_type=TEXT)),
                **dict.fromkeys(CORNERS, _PLACE),
            )
        ),
        hierarchy=obj(
            order_num=INT,
            shift=nullable(
                obj("direction", "destination", direction={"enum": list(DIRECTIONS)}, destination=INT)
            ),
        ),
    ),
)


@dataclass
class FolderPatch:
    """What a body asks for; NOT_GIVEN marks what it leaves alone."""

    title: object = NOT_GIVEN
    parent_id: object = NOT_GIVEN  # int, or None for the top level
    order_num: int | None = None
    shift: tuple[str, int] | None = None  # (direction, destination folder id)
    coordinates: object = NOT_GIVEN  # (latitude, longitude), or None to remove
    floor_plan_removed: bool = False
    corners: dict = field(default_factory=dict)  # corner -> {"latitude", "longitude"} or None
    image: object = NOT_GIVEN  # (bytes, mime type), or None to remove


class _Reader:
    def __init__(self):
        self.problems: list[tuple[str, str]] = []

    def bad(self, pointer: str, message: str):
        self.problems.append((pointer, message))

    def integer(self, value, pointer: str, *, minimum: int = 0):
        if isinstance(value, bool) or not isinstance(value, int):
            return self.bad(pointer, "must be an integer")
        if not minimum <= value <= MAX_INT:
            return self.bad(pointer, f"must be between {minimum} and {MAX_INT}")
        return value

    def obj(self, value, pointer: str) -> dict | None:
        if isinstance(value, dict):
            return value
        return self.bad(pointer, "must be an object")

    def place(self, value, pointer: str) -> dict | None:
        """A `{latitude, longitude}` object with both numbers in range."""
        if (given := self.obj(value, pointer)) is None:
            return None
        found = {}
        for axis, limit in (("latitude", 90), ("longitude", 180)):
            number = given.get(axis)
            if axis not in given:
                self.bad(f"{pointer}/{axis}", "is required")
            elif isinstance(number, bool) or not isinstance(number, int | float):
                self.bad(f"{pointer}/{axis}", "must be a number")
            elif not -limit <= number <= limit:
                self.bad(f"{pointer}/{axis}", f"must be between -{limit} and {limit}")
            else:
                found[axis] = float(number)
        return found if len(found) == 2 else None


def parse_folder_body(body) -> FolderPatch:
    """The patch a folder_create / folder_save body describes; InvalidBody lists every bad field."""
    if not isinstance(body, dict):
        raise InvalidBody([("", "the body must be a JSON object")])
    r, patch = _Reader(), FolderPatch()
    if "title" in body:
        if isinstance(body["title"], str):
            patch.title = body["title"].strip()
        else:
            r.bad("/title", "must be a string")
    if "parent_id" in body:
        value = body["parent_id"]
        # 0 is the seed's "none" (§6.14 example); null is the top level too
        none = value is None or (type(value) is int and value == 0)
        patch.parent_id = None if none else r.integer(value, "/parent_id", minimum=1)
    if "hierarchy" in body and (hierarchy := r.obj(body["hierarchy"], "/hierarchy")) is not None:
        _hierarchy(r, hierarchy, patch)
    if "coordinates" in body:
        value = body["coordinates"]
        place = None if value is None else r.place(value, "/coordinates")
        patch.coordinates = None if place is None else (place["latitude"], place["longitude"])
    if "floor_plan" in body:
        if body["floor_plan"] is None:
            patch.floor_plan_removed, patch.image = True, None
        elif (plan := r.obj(body["floor_plan"], "/floor_plan")) is not None:
            _floor_plan(r, plan, patch)
    if r.problems:
        raise InvalidBody(r.problems)
    return patch


def _hierarchy(r: _Reader, hierarchy: dict, patch: FolderPatch) -> None:
    if "order_num" in hierarchy:
        patch.order_num = r.integer(hierarchy["order_num"], "/hierarchy/order_num")
    if "shift" not in hierarchy or hierarchy["shift"] is None:
        return
    if (shift := r.obj(hierarchy["shift"], "/hierarchy/shift")) is None:
        return
    direction = shift.get("direction")
    if direction not in DIRECTIONS:
        r.bad("/hierarchy/shift/direction", f"must be one of {', '.join(DIRECTIONS)}")
    if "destination" not in shift:
        r.bad("/hierarchy/shift/destination", "is required")
        return
    destination = r.integer(shift["destination"], "/hierarchy/shift/destination", minimum=1)
    if direction in DIRECTIONS and destination is not None:
        patch.shift = (direction, destination)


def _floor_plan(r: _Reader, plan: dict, patch: FolderPatch) -> None:
    for corner in CORNERS:
        if corner in plan:
            value = plan[corner]
            patch.corners[corner] = None if value is None else r.place(value, f"/floor_plan/{corner}")
    if "file" not in plan:
        return
    if plan["file"] is None:
        patch.image = None
        return
    if (given := r.obj(plan["file"], "/floor_plan/file")) is None:
        return
    key = next((k for k in ("b64_content", "binary_content") if k in given), None)
    if key is None:
        return  # the read form (`url`, `name`) sent back: the image stays
    at = f"/floor_plan/file/{key}"
    try:
        if not isinstance(given[key], str):
            raise ValueError
        content = base64.b64decode(given[key], validate=True)
    except (binascii.Error, ValueError):
        return r.bad(at, "must be base64 text")
    mime_type = given.get("mime_type")
    if not isinstance(mime_type, str) or not mime_type:
        return r.bad("/floor_plan/file/mime_type", "is required with the content")
    patch.image = (content, mime_type.lower())
