"""Settings of the example shop. Configuration comes from the environment:

- ``EVERIFIN_WEBHOOK_SECRETS``: JSON array of hook secrets, oldest first (required).
- ``EVERIFIN_SHOP_DB``: path of the SQLite database (default: in the temp directory).
- ``DJANGO_SECRET_KEY``: Django's own key (a development default is used when absent).
"""

from __future__ import annotations

import json
import os
import tempfile

DEBUG = False
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "development-only-example-shop-key")
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
INSTALLED_APPS = ["shop"]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
]
ROOT_URLCONF = "shopsite.urls"
WSGI_APPLICATION = "shopsite.wsgi.application"
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get(
            "EVERIFIN_SHOP_DB", os.path.join(tempfile.gettempdir(), "everifin-shop.sqlite3")
        ),
        # Write transactions take the lock when they begin: the webhook and the customer's
        # browser return (or two retries) cannot both read the order before either writes.
        "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 30},
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
TIME_ZONE = "UTC"

# Options for everifin_webhook.Verifier (see shop/views.py).
EVERIFIN_WEBHOOK = {
    "secrets": json.loads(os.environ.get("EVERIFIN_WEBHOOK_SECRETS", "[]")),
    "tolerance_seconds": int(os.environ.get("EVERIFIN_WEBHOOK_TOLERANCE", "300")),
    "confirmed_is_paid": os.environ.get("EVERIFIN_CONFIRMED_IS_PAID") == "1",
}
