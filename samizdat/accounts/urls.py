from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("verify/", views.VerifyView.as_view(), name="verify"),
    path("two-step/", views.EnrolView.as_view(), name="enrol"),
]
