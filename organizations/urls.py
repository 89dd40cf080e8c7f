"""Dashboard routes of organizations."""

from django.urls import path

from organizations import views

app_name = "organizations"
urlpatterns = [
    path("switch/", views.OrganizationSwitchView.as_view(), name="switch"),
]
