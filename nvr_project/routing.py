"""Websocket routes gathered from the apps' consumers."""

from cameras.routing import websocket_urlpatterns as camera_routes

websocket_urlpatterns = [*camera_routes]
