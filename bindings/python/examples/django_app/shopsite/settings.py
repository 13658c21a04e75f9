"""Settings of the example shop. Configuration comes from the environment:

- ``EVERIFIN_WEBHOOK_SECRETS``: the hook secrets, a JSON array, oldest first, or one JSON string
  (required; ``everifin_webhook.secrets_from_env``, the rule of the Flask example too). Missing or
  malformed, it fails the system check ``shop.E001`` and stops gunicorn/uvicorn at startup.
- ``EVERIFIN_SHOP_DB``: path of the SQLite database (default: in the temp directory).
- ``DJANGO_SECRET_KEY``: Django's own key (a development default is used when absent).
- ``DJANGO_ALLOWED_HOSTS``: comma-separated host names the shop answers to, e.g.
  ``shop.example.com,.example.org`` (unset or empty: ``127.0.0.1,localhost,testserver``). A
  deployed shop must list the host name of the webhook URL registered with Everifin: Django
  answers any other Host 400 (DisallowedHost), and Everifin does not retry a 4xx.
"""

from __future__ import annotations

import os
import tempfile

import django
from django.core.exceptions import ImproperlyConfigured

# The SQLite backend's "transaction_mode" option (below) needs Django 5.1 (and so Python 3.10);
# the package's "test" extra asks for the same version (tests/test_examples.py checks both).
REQUIRED_DJANGO = (5, 1)
if django.VERSION[:2] < REQUIRED_DJANGO:
    raise ImproperlyConfigured(
        "the example shop needs Django >= %d.%d (SQLite transaction_mode)" % REQUIRED_DJANGO
    )

DEBUG = False
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "development-only-example-shop-key")
LOCAL_HOSTS = "127.0.0.1,localhost,testserver"
ALLOWED_HOSTS = [
    host.strip()
    for host in (os.environ.get("DJANGO_ALLOWED_HOSTS") or LOCAL_HOSTS).split(",")
    if host.strip()
]
INSTALLED_APPS = ["shop"]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
]
ROOT_URLCONF = "shopsite.urls"
WSGI_APPLICATION = "shopsite.wsgi.application"
ASGI_APPLICATION = "shopsite.asgi.application"
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
# The webhook reads request.body when there is a Content-Length: bound it (Everifin's events are
# far smaller; the library's own limit is 1 MiB too). A larger body is refused before it is read.
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
USE_TZ = True
TIME_ZONE = "UTC"

# Errors reach stderr (the server's log: gunicorn's error log, uvicorn's output) also with DEBUG off:
# Django's default sends them only to the console with DEBUG on, else to mail_admins (no e-mail
# configured here), so a 500 or a refused Host would leave no trace.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "{asctime} {levelname} {name}: {message}", "style": "{"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["stderr"], "level": "INFO"},
    # Django's own handlers (console only with DEBUG, mail_admins) replaced by the root's.
    "loggers": {"django": {"handlers": [], "level": "INFO", "propagate": True}},
}

# Options for everifin_webhook.Verifier (shop/verifier.py builds it).
EVERIFIN_WEBHOOK = {
    # None: from EVERIFIN_WEBHOOK_SECRETS (above); or a list of str, oldest first, or one str.
    "secrets": None,
    "tolerance_seconds": int(os.environ.get("EVERIFIN_WEBHOOK_TOLERANCE", "300")),
    "confirmed_is_paid": os.environ.get("EVERIFIN_CONFIRMED_IS_PAID") == "1",
    # The verifier's limit, the same as Django's for a body with a Content-Length; a chunked body
    # is read up to one byte more and answered 413 by the verifier (shop/views.py). Under ASGI
    # Django has received a chunked body whole before the view: only a limit in front of the
    # server (e.g. nginx's client_max_body_size) bounds that.
    "max_body_bytes": DATA_UPLOAD_MAX_MEMORY_SIZE,
}
