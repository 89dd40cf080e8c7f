"""Realtime relay: a dashboard page joins its organization's group and receives its events."""

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from nvr_project.events import organization_group
from organizations.middleware import current_organization


class OrganizationEventsConsumer(AsyncJsonWebsocketConsumer):
    """Camera status, new episodes and job progress for the organization chosen in the session."""

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        organization = await database_sync_to_async(self._organization)()
        if organization is None:
            await self.close(code=4404)
            return
        self.group = organization_group(organization.id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    def _organization(self):
        class _Request:  # current_organization reads only .user and .session
            user = self.scope["user"]
            session = self.scope["session"]

        return current_organization(_Request)

    async def disconnect(self, code):
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def _relay(self, event):
        await self.send_json({"type": event["type"], "payload": event["payload"]})

    camera_status = camera_changed = episode_created = job_progress = _relay
