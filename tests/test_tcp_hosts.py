"""``infisical-lsp --tcp`` checks its port before it writes its secret, binding each address as the server will (an
IPv6 host too: a review found the first check IPv4-only)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import base_env


def _ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
        return True
    except OSError:
        return False


@pytest.mark.skipif(not socket.has_ipv6 or not _ipv6_loopback(), reason="needs IPv6 loopback")
def test_tcp_on_an_ipv6_host_listens(tmp_path: Path) -> None:
    with socket.socket(socket.AF_INET6) as probe:
        probe.bind(("::1", 0))
        port = probe.getsockname()[1]
    home = tmp_path / "home"
    home.mkdir()
    server = subprocess.Popen(
        [sys.executable, "-m", "infisical_tokens.lsp", "--tcp", "--host", "::1", "--port", str(port)],
        env=base_env(home),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        for _ in range(100):
            if server.poll() is not None:
                break
            try:
                socket.create_connection(("::1", port), timeout=10).close()
                break
            except OSError:
                time.sleep(0.1)
        assert server.poll() is None, server.communicate(timeout=10)[1].decode()
    finally:
        if server.poll() is None:
            server.kill()
        server.communicate(timeout=10)
