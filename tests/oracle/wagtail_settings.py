"""Minimal settings for loading wagtail's apps into Django's model registry
(tests/oracle/dump_registry.py, benches/propose_real.rs). Nothing is served and no
database is touched: django.setup() only needs the apps and the settings they read at
import time."""

SECRET_KEY = "seam-oracle-not-secret"
DEBUG = False
ALLOWED_HOSTS = []
USE_TZ = True
WAGTAIL_SITE_NAME = "seam oracle"
WAGTAILADMIN_BASE_URL = "http://localhost"

# Every app wagtail 8.0 ships: the list of its "Integrating Wagtail into a Django
# project" guide plus every wagtail.contrib app and wagtail.locales. The test apps
# under wagtail/test are left out (seam skips test directories too).
INSTALLED_APPS = [
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.frontend_cache",
    "wagtail.contrib.routable_page",
    "wagtail.contrib.search_promotions",
    "wagtail.contrib.settings",
    "wagtail.contrib.simple_translation",
    "wagtail.contrib.sitemaps",
    "wagtail.contrib.styleguide",
    "wagtail.contrib.table_block",
    "wagtail.contrib.typed_table_block",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail.locales",
    "wagtail",
    "modelcluster",
    "taggit",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
]

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": ":memory:",
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"

STATIC_URL = "/static/"
MEDIA_URL = "/media/"

MIDDLEWARE = []
ROOT_URLCONF = None
TEMPLATES = []
