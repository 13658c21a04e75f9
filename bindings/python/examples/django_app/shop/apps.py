from django.apps import AppConfig
from django.core import checks


class ShopConfig(AppConfig):
    name = "shop"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from .verifier import check_verifier

        checks.register(check_verifier)
