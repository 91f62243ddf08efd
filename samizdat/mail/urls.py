"""The dynamic endpoints of news by e-mail, under /mail/ (`samizdat serve` passes /mail/ to
Django, like /admin/)."""

from django.urls import path

from . import views

app_name = "mail"
urlpatterns = [
    path("<int:edition>/subscribe/", views.subscribe, name="subscribe"),
    path("<int:edition>/confirm/", views.confirm, name="confirm"),
    path("<int:edition>/unsubscribe/", views.unsubscribe, name="unsubscribe"),
]
