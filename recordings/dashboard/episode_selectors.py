"""Episode list reads: the episodes of the cameras a user may view, filtered as the page asks."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from cameras.models import Camera
from organizations.choices import Action
from recordings.models import Episode

# The camera page opens a little before the episode, so its start is on screen.
LEAD_SECONDS = 5


def episode_list(
    *,
    user,
    organization,
    camera: Camera | None = None,
    episode_type: str = "",
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    q: str = "",
    protected: bool = False,
) -> QuerySet[Episode]:
    """Episodes of `organization`'s cameras the user may view, opened in `[start, end)`, newest first."""
    cameras = Camera.objects.for_user(user, Action.VIEW, organization=organization)
    episodes = Episode.objects.filter(camera__in=cameras).select_related("camera")
    if camera is not None:
        episodes = episodes.filter(camera=camera)
    if episode_type:
        episodes = episodes.filter(episode_type=episode_type)
    if start is not None:
        episodes = episodes.filter(opened_at__gte=start)
    if end is not None:
        episodes = episodes.filter(opened_at__lt=end)
    if q:
        episodes = episodes.filter(Q(title__icontains=q) | Q(description__icontains=q))
    if protected:
        episodes = episodes.filter(protected=True)
    return episodes.order_by("-opened_at", "-id")


@dataclass(frozen=True)
class EpisodeRow:
    """An episode as the list shows it: where to play it from and how long it lasted."""

    episode: Episode

    @property
    def watch_at(self) -> int:
        return int(self.episode.opened_at.timestamp()) - LEAD_SECONDS

    @property
    def picture_at(self) -> int:
        return int((self.episode.preview_at or self.episode.opened_at).timestamp())

    @property
    def duration_label(self) -> str:
        """`40 s`, `3 min 05 s`, `1 h 05 min`; empty while the episode is open."""
        closed = self.episode.closed_at
        if closed is None:
            return ""
        seconds = int((closed - self.episode.opened_at).total_seconds())
        if seconds < 60:
            return f"{seconds} s"
        minutes, seconds = divmod(seconds, 60)
        if minutes < 60:
            return f"{minutes} min {seconds:02d} s"
        hours, minutes = divmod(minutes, 60)
        return f"{hours} h {minutes:02d} min"
