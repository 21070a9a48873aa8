"""Use cases between the web/CLI and the domain core: services flush, callers commit."""
