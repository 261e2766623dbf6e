"""``python -m infisical_tokens.lsp``: start the language server on stdio (or ``--tcp``)."""

from .launch import main

main()
