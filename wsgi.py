"""WSGI entry point: ``gunicorn wsgi:app``. The app is warmed here, before gunicorn forks its
workers (preload_app), so that no worker's first request pays for loading."""

from assess import create_app
from assess.warm import warm_up

app = create_app()
warm_up(app)
