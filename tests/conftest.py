"""Shared fixtures: a fresh migrated SQLite database per test, reps and customers, and the CLI."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from schema.db import database, open_database
from schema.migrate import upgrade
from schema.models import Customer, Rep


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path_factory, monkeypatch):
    """No developer config, language or frozen clock leaks into a test."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / "state"))
    for name in ("KACRM_CONFIG", "KACRM_LANG", "KACRM_NOW", "KACRM_USER"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def db_path(tmp_path) -> Path:
    return tmp_path / "kacrm.db"


@pytest.fixture
def db(db_path):
    """A database at the current schema, bound to the models."""
    handle = open_database(str(db_path))
    upgrade(handle)
    yield handle
    handle.close()


@pytest.fixture
def make_rep(db):
    def make(login: str, role: str = "rep", region: str = "", manager: Rep | None = None, **extra) -> Rep:
        return Rep.create(login=login, name=extra.pop("name", login.title()), role=role, region=region,
                          manager=manager, **extra)
    return make


@pytest.fixture
def make_customer(db):
    counter = iter(range(1, 1_000_000))

    def make(owner: Rep, region: str = "", **extra) -> Customer:
        number = next(counter)
        return Customer.create(code=extra.pop("code", f"C{number:04d}"), name=extra.pop("name", f"测试客户{number}"),
                               owner=owner, region=region, **extra)
    return make


class Kacrm:
    """Runs the real click command line in-process against one database, as one user."""

    def __init__(self, db_path: Path, user: str, cwd: Path):
        self.db_path, self.user, self.cwd = db_path, user, cwd

    def __call__(self, *args: str, user: str | None = None, env: dict | None = None):
        from kacrm_tui.cli import cli

        runner = CliRunner()
        old = os.getcwd()
        os.chdir(self.cwd)
        try:
            result = runner.invoke(cli, ["--db", str(self.db_path), "--user", user or self.user, *args],
                                   env=env, catch_exceptions=False)
        finally:
            os.chdir(old)
            database.close() if not database.is_closed() else None
        return result


@pytest.fixture
def kacrm(tmp_path, db_path) -> Kacrm:
    return Kacrm(db_path, "boss", tmp_path)
