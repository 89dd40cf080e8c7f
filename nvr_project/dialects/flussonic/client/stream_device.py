"""Stream import and the camera device: config, firmware, PTZ (catalog §5.2.5-5.2.9)."""

urlpatterns: list = []
