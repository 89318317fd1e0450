import os

from django.core.wsgi import get_wsgi_application

from config.production import refuse_unsafe_start

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
refuse_unsafe_start()
application = get_wsgi_application()
