"""Pure logic and the HTTP client behind every face of infisical-tokens (no pygls, no IPython)."""

__version__ = "0.2.0"
