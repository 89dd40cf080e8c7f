"""Websocket routes of the cameras app."""

from django.urls import path

from cameras.consumers import OrganizationEventsConsumer

websocket_urlpatterns = [path("ws/events/", OrganizationEventsConsumer.as_asgi())]
