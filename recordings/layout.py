"""Where footage lives: NVR_MEDIA_ROOT/<camera.storage_key>/<YYYY>/<MM>/<DD>/<HHMMSS.micro-run>.mp4.

A camera's folder is named by its `storage_key`, set once at creation: a name changes, and two
names once mapped to one folder (`lot_1` and `lot/1` both became `lot_1/`), so one camera synced,
exported and deleted another's footage. Segment rows keep paths relative to the media root; the
recorder writes them inside the camera's folder, and every code path that indexes, truncates or
removes a file on a camera's behalf (sync, recovery, purge, delete) checks that it is inside.
"""

import logging
import os
import shutil
from pathlib import Path, PurePosixPath

from django.conf import settings

logger = logging.getLogger(__name__)


def camera_folder(camera) -> str:
    """The camera's folder relative to the media root (what the recorder's `camera_dir` is)."""
    return camera.storage_key


def media_path(relative: str) -> Path:
    return Path(settings.NVR_MEDIA_ROOT) / relative


def path_in_folder(storage_key: str, relative: str) -> bool:
    """Whether `relative` names a file inside the folder of the camera with `storage_key`."""
    parts = PurePosixPath(relative.replace(os.sep, "/")).parts
    return bool(storage_key) and len(parts) > 1 and parts[0] == storage_key and ".." not in parts


def camera_folder_remove(camera) -> None:
    """Remove the camera's folder and whatever is left in it (its own files, by the rule above)."""
    key = camera.storage_key
    if not key or key in (".", "..") or "/" in key or os.sep in key:  # never the root or beyond it
        return
    folder = media_path(camera_folder(camera))
    try:
        shutil.rmtree(folder)
    except FileNotFoundError:
        pass
    except OSError:
        logger.warning("could not remove %s of a deleted camera", folder, exc_info=True)
