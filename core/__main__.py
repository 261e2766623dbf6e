"""``python -m infisical_tokens.core``: the command line without its script (``infisical_tokens`` itself is a
namespace shared by the core, the language server and the magic, so it has no ``__main__`` of its own)."""

import sys

from .cli import program

sys.exit(program())
