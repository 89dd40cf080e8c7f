"""Models of the recordings app."""

from .episodes import Detection, Episode, Person, PersonList
from .jobs import Job
from .retention import RetentionPolicy
from .segments import Gap, Run, Segment, SegmentTag

__all__ = [
    "Detection",
    "Episode",
    "Gap",
    "Job",
    "Person",
    "PersonList",
    "RetentionPolicy",
    "Run",
    "Segment",
    "SegmentTag",
]
