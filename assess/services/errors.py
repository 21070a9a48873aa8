"""Domain errors the use cases raise; ``assess.errors`` maps each to one response, HTML or JSON."""

from __future__ import annotations


class RevisionConflict(Exception):
    """Someone saved this assessment since the page was loaded (another tab or device)."""

    def __init__(self, current: int):
        super().__init__(f"assessment changed; current revision is {current}")
        self.current = current


class AlreadySubmitted(Exception):
    """A submitted assessment is read-only."""
