import os

from django.core.asgi import get_asgi_application

from crm.secret_key import require_secret_key

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")
application = get_asgi_application()
require_secret_key()  # refuse to serve without a real key when DEBUG is off
