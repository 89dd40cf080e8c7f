"""Enrol a Flussonic Agent with an activation token: the Agent record and its camera (`agent://<id>`).

Neither Watcher API defines the endpoint an Agent calls when it connects, so an operator (or the
tunnel front end that accepts Agents) runs this with what the Agent presented.
"""

import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from cameras.exceptions import CameraLimitReached, CameraNameTaken
from cameras.services.agents import ActivationRefused, agent_activate


class Command(BaseCommand):
    help = "Activate an Agent with a one-time token; prints the name of the camera it created."

    def add_arguments(self, parser):
        parser.add_argument("token", help="The activation token from the QR code")
        parser.add_argument("agent_id", help="The Agent's id, e.g. 1234567")
        parser.add_argument("--key", default="", help="The Agent's authentication key")
        parser.add_argument("--serial", default="")
        parser.add_argument("--model", default="")
        parser.add_argument("--stats", default=None, help="Agent stats as a JSON object")

    def handle(self, *args, token, agent_id, key, serial, model, stats, **options):
        try:
            stats = json.loads(stats) if stats else None
        except json.JSONDecodeError as exc:
            raise CommandError(f"--stats is not JSON: {exc}") from None
        if stats is not None and not isinstance(stats, dict):
            raise CommandError("--stats must be a JSON object")
        try:
            camera = agent_activate(
                token=token, agent_id=agent_id, key=key, serial=serial, model=model, stats=stats
            )
        except (ActivationRefused, CameraLimitReached, CameraNameTaken, ValidationError) as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(camera.name)
