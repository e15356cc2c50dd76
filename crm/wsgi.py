import os

from django.core.wsgi import get_wsgi_application

from crm.secret_key import require_secret_key

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")
application = get_wsgi_application()
require_secret_key()  # refuse to serve without a real key when DEBUG is off
