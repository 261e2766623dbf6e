"""The Infisical language server: a thin pygls adapter over :mod:`infisical_tokens.core`."""
