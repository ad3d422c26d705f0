"""`kacrm serve`: what it hands textual-serve (no browser here: the Server class is replaced)."""
from __future__ import annotations

import shlex
import sys

import pytest
import textual_serve.server


class FakeServer:
    """Records what `kacrm serve` asked for instead of listening."""

    made: list["FakeServer"] = []

    def __init__(self, command: str, host: str = "localhost", port: int = 8000, title: str | None = None,
                 public_url: str | None = None):
        self.command, self.host, self.port, self.title = command, host, port, title
        self.public_url = public_url or f"http://{host}:{port}"
        self.served = False
        FakeServer.made.append(self)

    def serve(self, debug: bool = False) -> None:
        self.served = True


@pytest.fixture
def served(monkeypatch, kacrm):
    FakeServer.made = []
    monkeypatch.setattr(textual_serve.server, "Server", FakeServer)
    assert kacrm("init").exit_code == 0
    return FakeServer.made


def test_each_browser_session_runs_the_tui_as_this_user_on_this_database(kacrm, served, db_path, tmp_path):
    config = tmp_path / "site.toml"
    config.write_text("[ui]\nlanguage = \"en\"\n", encoding="utf-8")
    result = kacrm("--config", str(config), "serve")
    assert result.exit_code == 0, result.output
    (server,) = served
    assert server.served and (server.host, server.port) == ("127.0.0.1", 8000)
    assert shlex.split(server.command) == [sys.executable, "-m", "kacrm_tui", "--config", str(config.resolve()),
                                           "--db", str(db_path.resolve()), "--user", "boss", "tui"]
    assert "Warning" not in result.stderr
    assert "Open http://127.0.0.1:8000 in a browser (as boss)" in result.stderr


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.20", "office-server"])
def test_a_host_beyond_loopback_warns_that_the_port_gives_the_users_session(kacrm, served, host):
    result = kacrm("serve", "--host", host, "--port", "8123", env={"KACRM_LANG": "en"})
    assert result.exit_code == 0, result.output
    assert (f"Warning: listening on {host}:8123: anyone who can reach this port gets boss's session"
            in result.stderr)
    assert served[0].host == host and served[0].port == 8123


@pytest.mark.parametrize("host", ["localhost", "::1", "127.0.0.2"])
def test_loopback_hosts_do_not_warn(kacrm, served, host):
    result = kacrm("serve", "--host", host, env={"KACRM_LANG": "en"})
    assert result.exit_code == 0, result.output
    assert "Warning" not in result.stderr


def test_an_unknown_user_is_refused_before_anything_listens(kacrm, served):
    result = kacrm("serve", user="stranger")
    assert result.exit_code == 1
    assert served == []
