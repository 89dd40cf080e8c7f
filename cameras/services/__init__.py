"""Write-side operations on cameras and recording nodes, by sub-domain (STYLE 3.2)."""

from cameras.services.cameras import (
    DELETE_WAIT_SECONDS,
    EDITABLE_FIELDS,
    INPUT_OPTIONS,
    camera_create,
    camera_delete,
    camera_favourite_set,
    camera_inputs_set,
    camera_move,
    camera_set_enabled,
    camera_transfer,
    camera_update,
)
from cameras.services.device import (
    OnvifUnavailable,
    PtzDisabled,
    camera_device_config_read,
    camera_device_config_write,
    camera_firmware_upgrade,
    camera_onvif_endpoint,
    camera_ptz_move,
)
from cameras.services.folders import FolderNotEmpty, folder_delete
from cameras.services.grants import camera_grant_remove, camera_grant_set
from cameras.services.imports import ImportRejected, ImportResult, camera_import, camera_name_generate
from cameras.services.nodes import node_name, streamer_heartbeat, streamer_set_enabled

__all__ = [
    "EDITABLE_FIELDS",
    "camera_create",
    "camera_update",
    "camera_set_enabled",
    "camera_move",
    "INPUT_OPTIONS",
    "DELETE_WAIT_SECONDS",
    "camera_inputs_set",
    "camera_favourite_set",
    "camera_transfer",
    "camera_delete",
    "node_name",
    "streamer_heartbeat",
    "streamer_set_enabled",
    "FolderNotEmpty",
    "folder_delete",
    "camera_grant_set",
    "camera_grant_remove",
    "OnvifUnavailable",
    "PtzDisabled",
    "camera_onvif_endpoint",
    "camera_device_config_read",
    "camera_device_config_write",
    "camera_ptz_move",
    "camera_firmware_upgrade",
    "ImportRejected",
    "ImportResult",
    "camera_import",
    "camera_name_generate",
]
