"""The typed configuration: defaults, where the file is found, warnings, and one-sentence errors."""
from __future__ import annotations

import dataclasses
import tomllib
from decimal import Decimal
from pathlib import Path

import pytest

from schema import config as config_module
from schema.config import BUILTIN_HOLIDAYS, Config, Holiday, load_config
from schema.config_aliases import BUILTIN_ALIASES
from schema.errors import ConfigError, KacrmError

REPO_CONFIG = Path(__file__).resolve().parents[2] / "config.toml"


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No real ~/.config, /etc or $KACRM_CONFIG can leak into a test; cwd is an empty folder."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    monkeypatch.delenv("KACRM_CONFIG", raising=False)
    monkeypatch.setattr(config_module, "SYSTEM_CONFIG", tmp_path / "etc" / "kacrm" / "config.toml")
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return tmp_path


def write(path: Path, content: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content, encoding="utf-8")
    return path


def load_text(tmp_path: Path, content: str) -> Config:
    return load_config(write(tmp_path / "site" / "config.toml", content), env={})


def test_defaults_only_when_no_file_exists(tmp_path: Path) -> None:
    config = load_config(env={}, cwd=tmp_path / "work")
    assert config.source is None and config.warnings == ()
    assert config == Config()
    assert config.database.url == "kacrm.db" and config.database.busy_timeout_seconds == 10
    assert (config.ui.language, config.ui.timezone, config.ui.page_size) == ("zh", "Asia/Shanghai", 200)
    assert config.daemon.settle_seconds == 2 and config.daemon.rescan_seconds == 30
    assert config.daemon.log_level == "INFO" and config.daemon.heartbeat_stale_seconds == 120
    assert config.ledger.currency == "CNY"
    assert config.aging.edges == (30, 60, 90, 120)
    assert config.aging.bucket_names == ("not_due", "1-30", "31-60", "61-90", "91-120", ">120")
    assert (config.dso.method, config.dso.days) == ("standard", 90)
    assert (config.abc.a_percent, config.abc.b_percent) == (80, 95)
    assert config.segments.prospect_high_score == Decimal("3.5")
    assert config.segments.potential_high_cents == 100_000_000
    assert set(config.segments.prospect_weights) == {
        "strength", "management", "network", "purchasing_power", "marketing", "growth", "advantage"}
    assert config.funnel.min_amount_cents == 0
    assert config.care.tier_actions["A"] == "annual trip 年度旅游"
    assert config.care.all_holidays() == BUILTIN_HOLIDAYS
    assert config.visits.max_gap_days == {"A": 30, "B": 60, "C": 90}
    assert config.access.approvals is False and config.access.deleted_retention_days == 30
    assert config.database_target() == str(tmp_path / "work" / "kacrm.db")
    assert config.inbox_dirs() == tuple(tmp_path / "work" / name for name in ("inbox", "archive", "rejected"))


def test_the_shipped_config_toml_equals_the_defaults() -> None:
    config = load_config(REPO_CONFIG, env={})
    assert config.source == REPO_CONFIG
    assert config.warnings == ()
    assert dataclasses.replace(config, source=None) == Config()
    assert config.database.url == "kacrm.db"


def test_the_shipped_config_toml_shows_every_builtin_alias() -> None:
    shipped = tomllib.loads(REPO_CONFIG.read_text(encoding="utf-8"))["aliases"]
    assert {kind: {name: tuple(titles) for name, titles in table.items()} for kind, table in shipped.items()} \
        == BUILTIN_ALIASES


def test_explicit_path_wins_over_env_and_cwd(tmp_path: Path) -> None:
    explicit = write(tmp_path / "a" / "site.toml", "[ui]\npage_size = 11\n")
    from_env = write(tmp_path / "b" / "env.toml", "[ui]\npage_size = 12\n")
    write(tmp_path / "work" / "config.toml", "[ui]\npage_size = 13\n")
    config = load_config(explicit, env={"KACRM_CONFIG": str(from_env)}, cwd=tmp_path / "work")
    assert config.source == explicit and config.ui.page_size == 11


def test_env_var_wins_over_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from_env = write(tmp_path / "b" / "env.toml", "[ui]\npage_size = 12\n")
    write(tmp_path / "work" / "config.toml", "[ui]\npage_size = 13\n")
    monkeypatch.setenv("KACRM_CONFIG", str(from_env))
    config = load_config()  # the real environment and the real cwd
    assert config.source == from_env and config.ui.page_size == 12


def test_cwd_wins_over_home_and_home_over_etc(tmp_path: Path) -> None:
    etc = write(config_module.SYSTEM_CONFIG, "[ui]\npage_size = 15\n")
    assert load_config(env={}).source == etc
    home = write(tmp_path / "home" / ".config" / "kacrm" / "config.toml", "[ui]\npage_size = 14\n")
    assert load_config(env={}).source == home
    here = write(tmp_path / "work" / "config.toml", "[ui]\npage_size = 13\n")
    config = load_config(env={})
    assert config.source == here and config.ui.page_size == 13


@pytest.mark.parametrize("how", ["explicit", "env"])
def test_a_named_file_that_does_not_exist_is_an_error(tmp_path: Path, how: str) -> None:
    missing = tmp_path / "nowhere" / "config.toml"
    write(tmp_path / "work" / "config.toml", "")  # would be found by the search, but must not be used
    with pytest.raises(ConfigError, match="nowhere") as caught:
        if how == "explicit":
            load_config(missing, env={})
        else:
            load_config(env={"KACRM_CONFIG": str(missing)})
    assert isinstance(caught.value, KacrmError)
    assert ("--config" if how == "explicit" else "KACRM_CONFIG") in str(caught.value)


def test_unknown_keys_and_sections_warn_with_a_suggestion_and_do_not_fail(tmp_path: Path) -> None:
    config = load_text(tmp_path, "[daemon]\nsettel_seconds = 5\n[deamon]\nx = 1\n[aliases.order]\nno = ['x']\n")
    assert config.daemon == Config().daemon
    source = tmp_path / "site" / "config.toml"
    assert config.warnings == (
        f"{source}: unknown key [daemon] settel_seconds (ignored); did you mean settle_seconds?",
        f"{source}: unknown section [deamon] (ignored); did you mean [daemon]?",
        f"{source}: unknown section [aliases.order] (ignored); did you mean [aliases.orders]?",
    )


def test_values_of_every_kind_are_read(tmp_path: Path) -> None:
    config = load_text(tmp_path, """
[ui]
language = "en"
timezone = "UTC"
[daemon]
settle_seconds = 0.5
[aging]
edges = [7, 14]
[abc]
a_percent = 70
b_percent = 90
[segments]
potential_high = "2,500,000.50"
prospect_high_score = 4
[segments.prospect_weights]
growth = 0
[funnel]
min_amount = 5000
[visits.max_gap_days]
A = 14
[access]
approvals = true
""")
    assert config.warnings == ()
    assert (config.ui.language, config.ui.timezone) == ("en", "UTC")
    assert config.daemon.settle_seconds == 0.5
    assert config.aging.bucket_names == ("not_due", "1-7", "8-14", ">14")
    assert [config.aging.bucket_of(days) for days in (-3, 0, 1, 7, 8, 15)] == [
        "not_due", "not_due", "1-7", "1-7", "8-14", ">14"]
    assert (config.abc.a_percent, config.abc.b_percent) == (70, 90)
    assert config.segments.potential_high_cents == 250_000_050
    assert config.segments.prospect_high_score == Decimal(4)
    assert config.segments.prospect_weights["growth"] == 0
    assert config.segments.prospect_weights["strength"] == Config().segments.prospect_weights["strength"]
    assert config.funnel.min_amount_cents == 500_000
    assert config.visits.max_gap_days == {"A": 14, "B": 60, "C": 90}
    assert config.access.approvals is True


BAD_VALUES = [
    ("[aging]\nedges = [30, 20]", "[aging] edges must be a strictly increasing list of positive whole numbers "
                                  "of days, e.g. [30, 60, 90, 120]; found [30, 20]."),
    ("[aging]\nedges = []", "[aging] edges"),
    ("[database]\nbusy_timeout_seconds = 3", "[database] busy_timeout_seconds must be a whole number of at least 5; found 3."),
    ('[database]\nurl = ""', "[database] url"),
    ('[ui]\nlanguage = "fr"', '[ui] language must be one of "zh", "en"; found "fr".'),
    ('[ui]\ntimezone = "Mars/Olympus"', '[ui] timezone'),
    ("[ui]\npage_size = 5", "[ui] page_size"),
    ("[ui]\npage_size = 20.0", "[ui] page_size"),
    ("[daemon]\nsettle_seconds = -1", "[daemon] settle_seconds"),
    ("[daemon]\nrescan_seconds = 0", "[daemon] rescan_seconds"),
    ('[daemon]\nlog_level = "info"', "[daemon] log_level"),
    ('[daemon]\ninbox = 3', "[daemon] inbox"),
    ('[ledger]\ncurrency = "rmb"', '[ledger] currency'),
    ('[dso]\nmethod = "fast"', "[dso] method"),
    ("[dso]\ndays = 0", "[dso] days"),
    ("[abc]\na_percent = 90\nb_percent = 80", "[abc] b_percent must be greater than a_percent (90); found 80."),
    ("[abc]\na_percent = 101", "[abc] a_percent"),
    ("[segments]\nstability_high_months = 13", "[segments] stability_high_months"),
    ('[segments]\nprospect_high_score = "6"', "[segments] prospect_high_score"),
    ('[segments]\npotential_high = "12.345"', "[segments] potential_high"),
    ("[segments.prospect_weights]\ngrowht = 5", "[segments] prospect_weights keys must be one of"),
    ("[segments.prospect_weights]\ngrowth = -1", "[segments] prospect_weights.growth"),
    ("[segments.prospect_weights]\nstrength = 0\nmanagement = 0\nnetwork = 0\npurchasing_power = 0\n"
     "marketing = 0\ngrowth = 0\nadvantage = 0", "[segments] prospect_weights must be weights that add up"),
    ('[targets]\nweek_start = "funday"', "[targets] week_start"),
    ('[funnel]\nmin_amount = "-5"', "[funnel] min_amount"),
    ('[funnel]\nmin_amount = "abc"', "[funnel] min_amount"),
    ("[care]\nremind_days_ahead = -1", "[care] remind_days_ahead"),
    ("[care.tier_actions]\nD = 'x'", "[care] tier_actions keys"),
    ('[[care.holidays]]\nname = "X"\ndate = "13-01"', '[care] holidays[1].date must be a calendar month and day'),
    ('[[care.holidays]]\nname = "X"\nlunar = "02-31"', "[care] holidays[1].lunar"),
    ('[[care.holidays]]\nname = "X"\ndate = "01-01"\nlunar = "01-01"', "[care] holidays[1] must be given exactly one"),
    ('[[care.holidays]]\ndate = "01-01"', "[care] holidays[1].name must be a non-empty name; found nothing."),
    ('[[care.holidays]]\nname = "X"\ndate = "01-01"\nwhen = 1', "[care] holidays[1] must be a table like"),
    ("[care]\nholidays = 3", "[care] holidays must be a list of tables"),
    ("[visits.max_gap_days]\nA = 0", "[visits] max_gap_days.A"),
    ("[visits.max_gap_days]\nD = 10", "[visits] max_gap_days keys"),
    ("[risk]\nsales_drop_percent = 101", "[risk] sales_drop_percent"),
    ('[access]\napprovals = "yes"', "[access] approvals must be true or false; found \"yes\"."),
    ("[access]\ngrant_default_days = 0", "[access] grant_default_days"),
    ("[access]\ndeleted_retention_days = 0", "[access] deleted_retention_days"),
    ('[aliases.orders]\ninvoice_no = ["发票号"]', "[aliases.orders] keys must be field names of orders files"),
    ('[aliases.orders]\ndue_date = ["日期"]', '[aliases.orders] due_date must be titles no other field uses; '
                                             'found "日期", which names order_date.'),
    ("[aliases.orders]\norder_no = [1]", "[aliases.orders] order_no"),
    ("ui = 3", "[ui] must be a table"),
]


@pytest.mark.parametrize("content, expected", BAD_VALUES, ids=[case[1][:40] for case in BAD_VALUES])
def test_a_bad_value_is_one_sentence_naming_file_key_and_values(tmp_path: Path, content: str, expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_text(tmp_path, content + "\n")
    message = str(caught.value)
    assert message.startswith(f"{tmp_path / 'site' / 'config.toml'}: ")
    assert expected in message
    assert message.endswith(".") and "\n" not in message


@pytest.mark.parametrize("section, key", [
    ("ui", "page_size"), ("database", "busy_timeout_seconds"), ("daemon", "settle_seconds"),
    ("daemon", "overdue_alert_days"), ("segments", "intent_high"), ("segments", "potential_high"),
])
def test_a_boolean_is_not_a_number(tmp_path: Path, section: str, key: str) -> None:
    with pytest.raises(ConfigError, match=rf"\[{section}\] {key} must be .*; found true\."):
        load_text(tmp_path, f"[{section}]\n{key} = true\n")


def test_aliases_are_added_to_the_builtins(tmp_path: Path) -> None:
    config = load_text(tmp_path, '[aliases.orders]\norder_no = ["Bill No.", "单号"]\n'
                                 '[aliases.payments]\npaid_on = "入账日期"\n')
    assert config.aliases.orders["order_no"] == ("订单号", "单号", "单据编号", "order number", "Bill No.")
    orders = config.aliases.lookup("orders")
    for header in ("bill no.", "单号", "订单号", "order_no", "order no"):
        assert orders[header] == "order_no", header
    assert config.aliases.field_for("orders", "  ＢＩＬＬ  No. ") == "order_no"  # full-width, spaces
    assert config.aliases.lookup("payments")["入账日期"] == "paid_on"
    assert config.aliases.lookup("payments")["到账日期"] == "paid_on"
    assert Config().aliases.lookup("orders").get("bill no.") is None


def test_builtin_aliases_cover_the_design_table() -> None:
    lookup = Config().aliases.lookup
    for kind, header, name in [
        ("orders", "单据编号", "order_no"), ("orders", "客户代码", "customer_code"), ("orders", "日期", "order_date"),
        ("orders", "到期日", "due_date"), ("orders", "物料编码", "sku"), ("orders", "单价", "unit_price"),
        ("orders", "币种", "currency"), ("payments", "交易流水号", "payment_ref"), ("payments", "订单号", "order_no"),
        ("payments", "回款金额", "amount"), ("payments", "结算方式", "method"), ("payments", "币种", "currency"),
        ("customers", "客户名称", "name"), ("customers", "客户经理", "owner"), ("customers", "业种", "industry"),
        ("customers", "账期", "credit_days"), ("customers", "Customer Code", "code"),
    ]:
        assert lookup(kind)[header.casefold()] == name, (kind, header)


def test_relative_paths_are_resolved_against_the_config_folder(tmp_path: Path) -> None:
    config = load_text(tmp_path, '[database]\nurl = "data/crm.db"\n[daemon]\ninbox = "drop/in"\narchive = "old"\n')
    site = tmp_path / "site"
    assert config.database_target() == str(site / "data" / "crm.db")
    assert config.database_target("other.db") == "other.db"  # --db is taken as given
    assert config.inbox_dirs() == (site / "drop" / "in", site / "old", site / "drop" / "rejected")
    assert config.inbox_dirs("/srv/in") == (Path("/srv/in"), site / "old", Path("/srv/rejected"))


@pytest.mark.parametrize("url, expected", [
    ("sqlite:///crm.db", "sqlite:///{site}/crm.db"),
    ("sqlite:////var/lib/crm.db", "sqlite:////var/lib/crm.db"),
    ("/var/lib/crm.db", "/var/lib/crm.db"),
    ("postgresql://kacrm@db/kacrm", "postgresql://kacrm@db/kacrm"),
])
def test_database_urls(tmp_path: Path, url: str, expected: str) -> None:
    config = load_text(tmp_path, f'[database]\nurl = "{url}"\n')
    assert config.database_target() == expected.format(site=tmp_path / "site")


def test_site_holidays_add_to_and_override_the_builtins(tmp_path: Path) -> None:
    config = load_text(tmp_path, """
[[care.holidays]]
name = "春节"
lunar = "01-01"
action = "red envelope 红包"
[[care.holidays]]
name = "Company day 司庆"
date = "06-18"
""")
    holidays = config.care.all_holidays()
    assert len(holidays) == len(BUILTIN_HOLIDAYS) + 1
    spring = next(h for h in holidays if h.name == "春节")
    assert (spring.month, spring.day, spring.lunar) == (1, 1, True)
    assert config.care.action("C", spring) == "red envelope 红包"
    assert holidays[-1] == Holiday("Company day 司庆", 6, 18)
    assert config.care.action("B", holidays[-1]) == "holiday gift 节日礼品"


def test_a_toml_syntax_error_names_the_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"config\.toml: invalid TOML, .*line 3, column \d+") as caught:
        load_text(tmp_path, "[ui]\nlanguage = \"en\"\npage_size = \n")
    assert "\n" not in str(caught.value)
