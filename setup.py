"""The project's links, derived from its one public home (``[tool.infisical-tokens] home`` in pyproject.toml).

The home is not decided yet: while it is empty the distribution carries no links at all (never a placeholder),
and ``make release-check`` refuses to pass, naming the setting.
"""

from __future__ import annotations

import sys
from pathlib import Path

from setuptools import setup

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib


def project_urls(home: str) -> dict[str, str]:
    """The registry's links: one home, and the pages every forge keeps under it."""
    if not home:
        return {}
    home = home.rstrip("/")
    return {
        "Homepage": home,
        "Source": home,
        "Issues": f"{home}/issues",
        "Changelog": f"{home}/blob/main/CHANGELOG.md",
    }


pyproject = tomllib.loads((Path(__file__).parent / "pyproject.toml").read_text(encoding="utf-8"))
setup(project_urls=project_urls(pyproject["tool"]["infisical-tokens"]["home"].strip()))
