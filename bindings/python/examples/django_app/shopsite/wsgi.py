import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shopsite.settings")
application = get_wsgi_application()

# Build the webhook's verifier now: missing or malformed secrets stop the server at startup
# (gunicorn: "Worker failed to boot", with the ConfigurationError in its log), not at the first
# delivery.
from shop.verifier import get_verifier  # noqa: E402 (needs the settings loaded above)

get_verifier()
