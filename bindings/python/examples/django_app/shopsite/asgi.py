import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shopsite.settings")
application = get_asgi_application()

# Build the webhook's verifier now: missing or malformed secrets stop the server at startup
# (uvicorn exits with the ConfigurationError), not at the first delivery.
from shop.verifier import get_verifier  # noqa: E402 (needs the settings loaded above)

get_verifier()
