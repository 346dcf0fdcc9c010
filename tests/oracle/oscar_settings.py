"""Minimal settings for loading django-oscar's full default app set into Django's model
registry (tests/oracle/dump_registry.py). Nothing is served and no database is touched:
django.setup() only needs the apps and the settings they read at import time."""

import os

from oscar import INSTALLED_APPS as OSCAR_INSTALLED_APPS  # noqa: N811
from oscar.defaults import *  # noqa: F401,F403  (OSCAR_* defaults, as the docs advise)

BASE_DIR = os.path.dirname(os.path.abspath(__file__))

SECRET_KEY = "seam-oracle-not-secret"
DEBUG = False
ALLOWED_HOSTS = []
SITE_ID = 1
USE_TZ = True

# oscar.INSTALLED_APPS is the documented default list: django.contrib apps, every oscar
# app (oscar.config.Shop first) and the third-party apps it needs (widget_tweaks,
# haystack, treebeard, django_tables2).
INSTALLED_APPS = list(OSCAR_INSTALLED_APPS)

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": ":memory:",
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"

HAYSTACK_CONNECTIONS = {
    "default": {"ENGINE": "haystack.backends.simple_backend.SimpleEngine"},
}

MIDDLEWARE = []
ROOT_URLCONF = None
TEMPLATES = []
