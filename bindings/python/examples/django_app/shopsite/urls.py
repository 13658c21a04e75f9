from django.urls import path

from shop.views import everifin_webhook

urlpatterns = [path("webhooks/everifin", everifin_webhook, name="everifin-webhook")]
