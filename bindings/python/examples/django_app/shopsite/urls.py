from django.urls import path

from shop.views import everifin_webhook

urlpatterns = [path("webhooks/everifin", everifin_webhook, name="everifin-webhook")]

# Errors in JSON, like the webhook's own answers (shop/views.py).
handler400 = "shop.views.bad_request"
handler403 = "shop.views.permission_denied"
handler404 = "shop.views.not_found"
handler500 = "shop.views.server_error"
