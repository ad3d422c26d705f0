"""Fixtures of the Pilot tests: the seeded demo, built once a session for each size and copied for
every test that opens it (what a test writes, no other test sees), and the app on that copy.

A module whose tests want another demo than 30 customers from seed 5 overrides `demo_size`; one
whose screens count from today asks for `frozen_clock` (`pytestmark = pytest.mark.usefixtures(...)`)."""
from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path
from typing import Callable

import pytest

from kacrm_tui.app import KacrmApp, make_app
from kacrm_tui.demo.build import build_demo
from schema.config import load_config
from schema.db import open_database
from schema.models import Customer, Rep
from tests.tui.pilot import NOW, TODAY, first_rep


@pytest.fixture(scope="session")
def demo_builds(tmp_path_factory) -> Callable[[int, int], Path]:
    """The folder of the demo of (customers, seed), built on the first call of the session and
    never opened afterwards: tests open copies of it."""
    built: dict[tuple[int, int], Path] = {}

    def build(customers: int, seed: int) -> Path:
        if (customers, seed) not in built:
            directory = tmp_path_factory.mktemp(f"demo-{customers}-{seed}")
            build_demo(directory, customers, seed, today=TODAY)
            built[customers, seed] = directory
        return built[customers, seed]
    return build


@pytest.fixture
def demo_size() -> tuple[int, int]:
    """(customers, seed) of the demo the module's tests copy."""
    return 30, 5


@pytest.fixture
def demo(demo_builds, demo_size, tmp_path) -> Path:
    """This test's own copy of the demo folder (database, config.toml, drop folders)."""
    return Path(shutil.copytree(demo_builds(*demo_size), tmp_path / "demo"))


@pytest.fixture
def opened(demo):
    """The test's demo database, bound to the models for the test's length."""
    db = open_database(str(demo / "kacrm.db"))
    yield db
    db.close()


@pytest.fixture
def frozen_clock(monkeypatch) -> str:
    """The clock stopped on the demo's day, so figures "as of today" are the demo's."""
    monkeypatch.setenv("KACRM_NOW", NOW)
    return NOW


@pytest.fixture
def app_for(demo, opened) -> Callable[..., KacrmApp]:
    """Builds the app on the test's demo for a user (a login or a Rep); `approvals=True` turns the
    site's `[access] approvals` on. Build it after setting the language: its keys' words are
    looked up then."""
    def build(user: str | Rep, *, approvals: bool = False) -> KacrmApp:
        config = load_config(None, cwd=demo)
        if approvals:
            config = dataclasses.replace(config, access=dataclasses.replace(config.access, approvals=True))
        rep = user if isinstance(user, Rep) else Rep.get(Rep.login == user)
        return make_app(config, rep, "kacrm.db")
    return build


@pytest.fixture
def rep(opened) -> Rep:
    """The demo's first rep by login."""
    return first_rep()


@pytest.fixture
def customer(rep) -> Customer:
    """The first customer (by code) of `rep`."""
    return Customer.select().where(Customer.owner == rep).order_by(Customer.code).first()
