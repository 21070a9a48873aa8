"""Forms shared by every area."""

from __future__ import annotations

from flask_wtf import FlaskForm


class ActionForm(FlaskForm):
    """A button-only form (submit, re-assess, withdraw): CSRF and nothing else."""
