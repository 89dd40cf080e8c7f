"""Move footage from name folders (`lot/1` -> `lot_1/`) to storage-key folders (`recordings.layout`).

Run by migration recordings 0006 with its historical models, so it imports no model. A folder
only one camera used moves with one rename and its rows with one UPDATE. Safe to run again and
after an interruption: the migration is not atomic, so each step commits, and every step looks at
what is on disk now (a folder or file already at its new place only gets its rows rewritten).

Who owns a file is decided by rows, never by the folder alone, since two cameras could share one
old folder and the old sync gave one camera's files a second row under the other camera:
- the row the recorder wrote wins (its run id starts with the run tag in the file name);
- else the one camera that recorded that run (a recorder-made row of the run elsewhere) owns it;
- else a file with one row belongs to that row; several rows and no evidence: nobody's, so the
  file stays in the old folder (reported, for an operator) and none of its rows survive.
Rows that lose are deleted (not their files). Files no row names move only out of a folder that
exactly one camera used; in a shared folder nobody can tell whose they are, so they stay.
"""

import filecmp
import logging
import os
import re
import shutil
from collections import defaultdict, namedtuple
from dataclasses import dataclass, field
from pathlib import Path

from django.db.models import Value
from django.db.models.functions import Concat, Substr

logger = logging.getLogger(__name__)

_NAME = re.compile(r"^\d{6}\.\d{6}-([0-9a-f]{8})\.mp4$")
NOT_CAMERA_FOLDERS = {"exports"}  # the media root's own folders, never a camera's to move
_Row = namedtuple("_Row", "pk camera_id path run_id")


@dataclass
class MoveReport:
    folders_renamed: int = 0
    files_moved: int = 0
    rows_rewritten: int = 0
    rows_dropped: int = 0  # rows that claimed another camera's file
    left_in_place: list[str] = field(default_factory=list)  # relative paths nobody can be given


def old_folder(camera) -> str:
    return camera.name.replace("/", "_")


def new_folder(camera) -> str:
    return camera.storage_key


def move_footage(Camera, Segment, Run, root, *, source=old_folder, target=new_folder) -> MoveReport:
    """Give every camera's footage its `target` folder; `source` names where it may be now."""
    root, report = Path(root), MoveReport()
    cameras = {c.pk: c for c in Camera.objects.only("id", "name", "storage_key")}
    targets = {pk: target(c) for pk, c in cameras.items()}
    users = defaultdict(set)  # a folder -> the cameras that may have written into it
    for pk, camera in cameras.items():
        users[source(camera)].add(pk)
    recorded = defaultdict(set)  # a run tag -> the cameras whose recorder wrote a segment of that run
    for camera_id, path, run_id in Segment.objects.values_list("camera_id", "path", "run_id").iterator():
        tag = _tag(path)
        if tag and run_id.hex[:8] == tag:
            recorded[tag].add(camera_id)
        if _movable(path) and not _inside(targets[camera_id], path):
            users[_first(path)].add(camera_id)
    for folder in [f for f in users if f in ("", ".", "..")]:  # never the root itself, nor above it
        logger.warning("segments under %r are not in a camera folder; left as they are", folder)
        del users[folder]
    new_folders = set(targets.values())
    for folder, pks in users.items():
        if len(pks) == 1 and folder not in NOT_CAMERA_FOLDERS and folder not in new_folders:
            _move_folder(root, Segment, folder, targets[next(iter(pks))], next(iter(pks)), report)
        else:
            _move_shared(root, Segment, Run, folder, targets, recorded, report)
    for folder, pks in users.items():
        if folder in NOT_CAMERA_FOLDERS or folder in new_folders or not (root / folder).is_dir():
            continue
        for leftover in _footage_files(root, folder):
            if len(pks) == 1:
                _move_file(root, leftover, targets[next(iter(pks))], report)
            else:
                report.left_in_place.append(leftover)
                logger.warning("%s is in a folder several cameras shared; left where it is", leftover)
        _remove_empty(root / folder)
    report.left_in_place = sorted(set(report.left_in_place))
    return report


def _move_folder(root: Path, Segment, folder: str, target: str, camera_id: int, report: MoveReport) -> None:
    """A folder only one camera used: one rename and one UPDATE, however many files it holds."""
    old, new = root / folder, root / target
    if old.is_dir() and not new.exists():
        os.rename(old, new)
        report.folders_renamed += 1
    rows = Segment.objects.filter(camera_id=camera_id, path__startswith=f"{folder}/")
    if not old.exists():  # every file is at its new place (or was lost, and sync drops its row)
        report.rows_rewritten += rows.update(
            path=Concat(Value(f"{target}/"), Substr("path", len(folder) + 2))
        )
        return
    for row in [_Row(*values) for values in rows.values_list("id", "camera_id", "path", "run_id")]:
        if _movable(row.path):
            _move_row(root, Segment, row, target, report)  # both folders exist (an earlier partial run)


def _move_shared(root: Path, Segment, Run, folder: str, targets: dict, recorded: dict, report) -> None:
    """A folder several cameras wrote into: each file goes by the row that owns it (module doc)."""
    claims = defaultdict(list)
    rows = Segment.objects.filter(path__startswith=f"{folder}/").values_list(
        "id", "camera_id", "path", "run_id"
    )
    for row in (_Row(*values) for values in rows):
        if _movable(row.path) and not _inside(targets[row.camera_id], row.path):
            claims[row.path].append(row)
    dropped_runs = set()
    for path, rows in claims.items():
        owner, row = _owner(path, rows, recorded)
        for other in rows:
            if other is not row:
                Segment.objects.filter(pk=other.pk).delete()
                dropped_runs.add(other.run_id)
                report.rows_dropped += 1
        if owner is None:
            report.left_in_place.append(path)
            logger.warning("footage %s is claimed by several cameras; left where it is", path)
        elif row is not None:
            _move_row(root, Segment, row, targets[owner], report)
        else:
            _move_file(root, path, targets[owner], report)
    if dropped_runs:
        Run.objects.filter(run_id__in=dropped_runs).exclude(
            run_id__in=Segment.objects.values("run_id")
        ).delete()


def _first(relative: str) -> str:
    return relative.replace(os.sep, "/").split("/", 1)[0]


def _rest(relative: str) -> str:
    return relative.replace(os.sep, "/").split("/", 1)[1] if "/" in relative.replace(os.sep, "/") else ""


def _movable(relative: str) -> bool:
    """A path under some folder, going nowhere above it (what the recorder writes)."""
    return bool(_rest(relative)) and ".." not in relative.replace(os.sep, "/").split("/")


def _inside(folder: str, relative: str) -> bool:
    return _first(relative) == folder and bool(_rest(relative))


def _tag(relative: str) -> str | None:
    match = _NAME.match(os.path.basename(relative))
    return match.group(1) if match else None


def _owner(path: str, rows: list, recorded: dict) -> tuple[int | None, object | None]:
    """(camera id that owns the file, its row or None) for the rows claiming `path`."""
    tag = _tag(path)
    made = [r for r in rows if tag and r.run_id.hex[:8] == tag]
    if len(made) == 1:
        return made[0].camera_id, made[0]
    evidence = recorded.get(tag, set()) if tag else set()
    if len(evidence) == 1:
        (camera_id,) = evidence
        return camera_id, next((r for r in rows if r.camera_id == camera_id), None)
    if not evidence and len(rows) == 1:
        return rows[0].camera_id, rows[0]
    return None, None


def _move_row(root: Path, Segment, row, folder: str, report: MoveReport) -> None:
    rest = _rest(row.path)
    head, name = os.path.split(rest)
    plain, unique = os.path.join(folder, rest), os.path.join(folder, head, f"{row.pk}-{name}")
    src = root / row.path
    if src.exists():
        new = _place(src, root, plain, unique, report)
    else:  # moved already (an interrupted run), or lost: sync drops a row whose file is gone
        new = unique if (root / unique).exists() else plain
    Segment.objects.filter(pk=row.pk).update(path=new)
    report.rows_rewritten += 1


def _move_file(root: Path, relative: str, folder: str, report: MoveReport) -> None:
    src = root / relative
    if src.exists():
        rest = _rest(relative)
        head, name = os.path.split(rest)
        _place(src, root, os.path.join(folder, rest), os.path.join(folder, head, f"moved-{name}"), report)


def _place(src: Path, root: Path, plain: str, unique: str, report: MoveReport) -> str:
    """Move `src` to `plain` (or `unique` if another file is there); returns where it went."""
    dst = root / plain
    if dst.exists():
        if filecmp.cmp(src, dst, shallow=False):  # a copy an interrupted cross-device move left
            src.unlink()
            return plain
        plain, dst = unique, root / unique
    dst.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.replace(src, dst)
    except OSError:  # another file system (a linked folder): copy, then remove
        shutil.move(src, dst)
    report.files_moved += 1
    return plain


def _footage_files(root: Path, folder: str) -> list[str]:
    """Recorder-named files under `folder`/YYYY/MM/DD, relative to the root."""
    found = []
    for directory, _, files in os.walk(root / folder):
        for name in files:
            relative = os.path.relpath(os.path.join(directory, name), root)
            if _NAME.match(name) and len(relative.split(os.sep)) == 5:
                found.append(relative)
    return sorted(found)


def _remove_empty(folder: Path) -> None:
    for directory, _, _ in sorted(os.walk(folder), key=lambda entry: -len(entry[0])):
        try:
            os.rmdir(directory)
        except OSError:  # not empty: something stays there
            pass
