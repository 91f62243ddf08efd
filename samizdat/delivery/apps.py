from django.apps import AppConfig


class DeliveryConfig(AppConfig):
    name = "samizdat.delivery"
    label = "delivery"
