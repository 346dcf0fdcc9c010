"""Minimal settings for loading nautobot's apps into Django's model registry
(tests/oracle/dump_registry.py, benches/propose_real.rs): nautobot's own defaults
(nautobot.core.settings, whose INSTALLED_APPS lists every nautobot app), no plugins, no
database connection (django.setup() opens none)."""

from nautobot.core.settings import *  # noqa: F401,F403

SECRET_KEY = "seam-oracle-not-secret"
ALLOWED_HOSTS = []
PLUGINS = []
INSTALLATION_METRICS_ENABLED = False
