"""Models of the cameras app."""

from .agents import Agent, AgentActivationToken
from .cameras import Camera, CameraGrant, CameraInput, DetectionZone, EventSubscription
from .lenz import NvrResource, RtmpStream
from .mosaics import Mosaic, MosaicSlot
from .presets import Preset
from .streamers import CameraPlacement, NodeEgress, Streamer

__all__ = [
    "Agent",
    "AgentActivationToken",
    "Camera",
    "CameraGrant",
    "CameraInput",
    "CameraPlacement",
    "DetectionZone",
    "EventSubscription",
    "Mosaic",
    "MosaicSlot",
    "NodeEgress",
    "NvrResource",
    "Preset",
    "RtmpStream",
    "Streamer",
]
