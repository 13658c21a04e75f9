"""``python manage.py seed_orders REFERENCE...``: create orders (payment state ``new``).

A shop's checkout creates its orders; the example has none, so that webhooks for orders it does
not know are answered 200 and ignored. Create them first, e.g. for
``everifin-webhook send --scenario payment-flow --run-id demo``: ``1001-demo 1002-demo 1003-demo``.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from shop.models import Order


class Command(BaseCommand):
    help = "Create orders with these references (the externalId Everifin sends back)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("references", nargs="+", help="order references (externalId)")

    def handle(self, *args: Any, **options: Any) -> None:
        created = 0
        with transaction.atomic():
            for reference in options["references"]:
                _, new = Order.objects.get_or_create(reference=reference)
                created += int(new)
        total = len(options["references"])
        self.stdout.write(f"{created} order(s) created, {total - created} already there")
