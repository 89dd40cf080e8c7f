"""Password recovery and reset (catalog §5.3.2-5.3.3)."""

urlpatterns: list = []
