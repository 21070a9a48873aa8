"""``assess --help`` lists every command without building the app: the list it prints is the
whole app's, name for name and word for word."""

from __future__ import annotations

import subprocess
import sys

import click
from flask.cli import ScriptInfo

from assess.cli import overview


def test_the_quick_overview_lists_the_whole_apps_commands(app):
    from assess.commands import cli

    # Closing the context pops the app context Flask's group pushed to load the app.
    with click.Context(cli, obj=ScriptInfo(create_app=lambda: app)) as context:
        full = {name: cli.get_command(context, name).get_short_help_str(limit=1000)
                for name in cli.list_commands(context)}  # fmt: skip
    quick = overview()
    context = click.Context(quick)
    listed = {name: quick.get_command(context, name).get_short_help_str(limit=1000)
              for name in quick.list_commands(context)}  # fmt: skip
    assert listed == full


def test_assess_help_does_not_build_the_app():
    """The help is printed without importing the web app's modules (the slow part)."""
    probe = ("import sys; sys.argv = ['assess', '--help']\n"
             "from assess.cli import main\n"
             "try:\n    main()\n"
             "except SystemExit:\n    pass\n"
             "print('LOADED', sorted(m for m in sys.modules if m.startswith(('apiflask', "
             "'assess.commands', 'assess.respond', 'flask_migrate'))))")  # fmt: skip
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True).stdout  # fmt: skip
    assert "Commands:" in out and "worker" in out
    assert out.strip().endswith("LOADED []")
