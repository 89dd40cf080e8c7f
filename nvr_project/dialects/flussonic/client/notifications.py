"""Device tokens, event subscriptions, web push, notification_send (catalog §5.5.3-5.5.4, §5.7, §5.11)."""

urlpatterns: list = []
