"""Record one camera in the foreground, for debugging: `manage.py record_camera NAME`."""

import signal
import threading

from django.core.management.base import BaseCommand, CommandError

from cameras.models import Camera
from recordings.recorder.supervisor import HELD_ELSEWHERE, record_camera


class Command(BaseCommand):
    help = "Record a camera in this process until Ctrl-C (it takes the camera's lease like a worker)."

    def add_arguments(self, parser):
        parser.add_argument("name", help="The camera's name")
        parser.add_argument(
            "--wait",
            action="store_true",
            help="While another recorder holds the camera, try again every second (a standby node)",
        )

    def handle(self, *args, name, wait=False, **options):
        camera = Camera.objects.filter(name=name).first()
        if camera is None:
            raise CommandError(f"no camera named {name!r}")
        stop = threading.Event()
        signal.signal(signal.SIGINT, lambda *_: stop.set())
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        self.stdout.write(f"recording {camera.name}; Ctrl-C stops and closes the segment")
        why = record_camera(camera_id=camera.pk, stop=stop)
        while wait and why == HELD_ELSEWHERE and not stop.wait(1):
            why = record_camera(camera_id=camera.pk, stop=stop)
        self.stdout.write(f"stopped: {why}")
