from django.urls import path

app_name = "cameras"
urlpatterns: list = []
