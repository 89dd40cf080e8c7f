"""The episode list: what happened on the cameras a user may view, filtered in place with htmx."""

from django.core.paginator import Paginator
from django.views import View

from cameras.selectors import camera_list
from cameras.views.cameras import OrganizationViewMixin, render_page
from organizations.choices import Action
from recordings.dashboard.episode_selectors import EpisodeRow, episode_list
from recordings.forms import EpisodeFilterForm

TEMPLATE = "recordings/episode_list.html"


class EpisodeListView(OrganizationViewMixin, View):
    paginate_by = 50

    def get(self, request):
        user, organization = request.user, self.organization
        context = {"organization": organization}
        if organization is not None:
            cameras = camera_list(user=user, organization=organization)
            filter_form = EpisodeFilterForm(request.GET, cameras=cameras, time_zone=organization.time_zone)
            filters = filter_form.filters()
            episodes = episode_list(user=user, organization=organization, **filters)
            page = Paginator(episodes, self.paginate_by).get_page(request.GET.get("page"))
            shown = {episode.camera_id for episode in page}
            live = _reachable(user, organization, shown, Action.LIVE)
            context.update(
                filter_form=filter_form,
                page=page,
                rows=[EpisodeRow(episode) for episode in page],
                filtered=any(filters.values()),
                watchable_ids=live,
                # The snapshot of a past instant needs both live and archive rights.
                pictured_ids=live & _reachable(user, organization, shown, Action.ARCHIVE),
            )
        return render_page(request, TEMPLATE, "episode-rows", context)


def _reachable(user, organization, camera_ids: set[int], action: str) -> set[int]:
    cameras = camera_list(user=user, organization=organization, action=action).filter(id__in=camera_ids)
    return set(cameras.values_list("id", flat=True))
