from django.db import models


class Order(models.Model):
    """A shop order, as far as payments go."""

    reference = models.CharField(max_length=255, unique=True)  # sent to Everifin as externalId
    payment_state = models.CharField(max_length=32, default="new")  # new, pending, paid, ...
    webhook_state = models.TextField(default="{}")  # decision.state_json(): its exact text
    fulfilments = models.IntegerField(default=0)  # how often fulfilment started (must be <= 1)
    updated_at = models.DateTimeField(auto_now=True)


class WebhookLog(models.Model):
    event_id = models.CharField(max_length=36)
    reference = models.CharField(max_length=255, null=True)
    action = models.CharField(max_length=8)
    reason = models.CharField(max_length=16)
    received_at = models.DateTimeField(auto_now_add=True)
