"""The typed configuration of kacrm: one frozen `Config`, loaded once by `load_config` and passed
down. Every setting has a default in code, so a missing file or key is never an error; an unknown
key is a warning; a bad value is a `ConfigError` naming the file, the key, what is allowed and what
was found. Each setting declares its rule once, in its field's metadata (`setting(default, rule)`,
see schema/config_rules.py), and one generic loop applies them; header aliases live in
schema/config_aliases.py."""
from __future__ import annotations

import difflib
import os
import sys
from dataclasses import dataclass, field, fields
from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar, Mapping
from zoneinfo import ZoneInfo

from schema.config_aliases import KINDS, AliasClash, AliasConfig
from schema.config_rules import (BUILTIN_HOLIDAYS, Holiday, Invalid, bonus_tiers, flag, holiday_list, increasing_days,
                                 is_zone, keymap, money, one_of, score, seconds, setting, show, table, text, whole, words)
from schema.errors import ConfigError
from schema.vocab import TARGET_METRICS

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

SYSTEM_CONFIG = Path("/etc/kacrm/config.toml")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass(frozen=True)
class DatabaseConfig:
    url: str = setting("kacrm.db", text("a SQLite file path or a URL such as postgresql://user@host/kacrm"))
    busy_timeout_seconds: int = setting(10, whole(5))


@dataclass(frozen=True)
class UiConfig:
    language: str = setting("zh", one_of("zh", "en"))
    timezone: str = setting("Asia/Shanghai", text('a time zone name, e.g. "Asia/Shanghai"', check=is_zone))
    page_size: int = setting(200, whole(10))
    keymap: dict[str, str] = setting({}, keymap)

    @property
    def tzinfo(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


@dataclass(frozen=True)
class DaemonConfig:
    inbox: str = setting("inbox", text("a folder path"))
    archive: str = setting("", text('a folder path, or "" for "archive" beside the inbox', r".*"))
    rejected: str = setting("", text('a folder path, or "" for "rejected" beside the inbox', r".*"))
    settle_seconds: float = setting(2.0, seconds(0))
    rescan_seconds: float = setting(30.0, seconds(0, above=True))
    log_level: str = setting("INFO", one_of("DEBUG", "INFO", "WARNING", "ERROR"))
    overdue_alert_days: int = setting(30, whole(0))
    heartbeat_stale_seconds: int = setting(120, whole(1))
    default_owner: str = setting("", text('a login, or "" for the first admin', r".*"))

    def dirs(self, base: Path, inbox: str | Path | None = None) -> tuple[Path, Path, Path]:
        """(inbox, archive, rejected); `inbox` overrides the configured one as given, and empty
        archive/rejected settings are siblings of whichever inbox is used."""
        box = Path(inbox).expanduser() if inbox is not None else base / Path(self.inbox).expanduser()

        def beside(value: str, default: str) -> Path:
            return base / Path(value).expanduser() if value else box.parent / default
        return box, beside(self.archive, "archive"), beside(self.rejected, "rejected")


@dataclass(frozen=True)
class LedgerConfig:
    currency: str = setting("CNY", text('three capital letters (ISO 4217), e.g. "CNY"', r"[A-Z]{3}"))


@dataclass(frozen=True)
class CompanyConfig:
    """Our own company as the header of a customer statement (对账单) prints it; all optional."""

    name: str = setting("", text('a company name, or ""', r"(?s).*"))
    address: str = setting("", text('an address, or ""', r"(?s).*"))
    phone: str = setting("", text('a phone number, or ""', r"(?s).*"))
    tax_id: str = setting("", text('a tax id (税号, unified social credit code), or ""', r"(?s).*"))
    bank: str = setting("", text('a bank and branch name, or ""', r"(?s).*"))
    account: str = setting("", text('a bank account number, or ""', r"(?s).*"))


@dataclass(frozen=True)
class AgingConfig:
    edges: tuple[int, ...] = setting((30, 60, 90, 120), increasing_days)

    @property
    def bucket_names(self) -> tuple[str, ...]:
        """("not_due", "1-30", "31-60", ..., ">120") for the edges (30, 60, 90, 120)."""
        lows = (1, *(edge + 1 for edge in self.edges))
        spans = (str(low) if low == high else f"{low}-{high}" for low, high in zip(lows, self.edges))
        return ("not_due", *spans, f">{self.edges[-1]}")

    def bucket_of(self, days_past_due: int) -> str:
        """The bucket of an open amount `days_past_due` days after its due date (<= 0: not due)."""
        if days_past_due <= 0:
            return "not_due"
        names = self.bucket_names
        return next((names[i + 1] for i, edge in enumerate(self.edges) if days_past_due <= edge), names[-1])


@dataclass(frozen=True)
class DsoConfig:
    method: str = setting("standard", one_of("standard", "countback"))
    days: int = setting(90, whole(1))


@dataclass(frozen=True)
class AbcConfig:
    a_percent: int = setting(80, whole(1, 100))
    b_percent: int = setting(95, whole(1, 100))

    def __post_init__(self) -> None:
        if self.b_percent <= self.a_percent:
            raise Invalid(f"greater than a_percent ({self.a_percent})", self.b_percent, key="b_percent")


PROSPECT_FACTORS = ("strength", "management", "network", "purchasing_power", "marketing", "growth", "advantage")
DEFAULT_PROSPECT_WEIGHTS = dict(zip(PROSPECT_FACTORS, (20, 10, 15, 15, 10, 15, 15)))


@dataclass(frozen=True)
class SegmentsConfig:
    contribution_high_top_percent: int = setting(20, whole(1, 100))
    stability_high_months: int = setting(9, whole(1, 12))
    stability_max_cv_percent: int = setting(50, whole(0))
    prospect_weights: dict[str, int] = setting(DEFAULT_PROSPECT_WEIGHTS, table(DEFAULT_PROSPECT_WEIGHTS, whole(0)))
    prospect_high_score: Decimal = setting(Decimal("3.5"), score(1, 5))
    intent_high: int = setting(4, whole(1, 5))
    potential_high_cents: int = setting(100_000_000, money(positive=True), key="potential_high")
    share_high_percent: int = setting(30, whole(1, 100))

    def __post_init__(self) -> None:
        if sum(self.prospect_weights.values()) <= 0:
            raise Invalid("weights that add up to more than 0", self.prospect_weights, key="prospect_weights")


@dataclass(frozen=True)
class TargetsConfig:
    METRICS: ClassVar[tuple[str, ...]] = tuple(TARGET_METRICS)
    week_start: str = setting("monday", one_of(*WEEKDAYS))

    @property
    def weekday(self) -> int:
        """The first day of a week as `date.weekday()` counts (0 = Monday)."""
        return WEEKDAYS.index(self.week_start)


@dataclass(frozen=True)
class FunnelConfig:
    min_amount_cents: int = setting(0, money(positive=False), key="min_amount")


DEFAULT_TIER_ACTIONS = {"A": "annual trip 年度旅游", "B": "holiday gift 节日礼品", "C": "greeting card 贺卡"}


@dataclass(frozen=True)
class CareConfig:
    remind_days_ahead: int = setting(14, whole(0))
    tier_actions: dict[str, str] = setting(DEFAULT_TIER_ACTIONS, table(DEFAULT_TIER_ACTIONS, text("a non-empty text")))
    holidays: tuple[Holiday, ...] = setting((), holiday_list)

    def all_holidays(self) -> tuple[Holiday, ...]:
        """The built-in holidays, each replaced by a site holiday of the same name (full, English or
        Chinese part, any case), then the site's other holidays."""
        site = {holiday.name.casefold(): holiday for holiday in self.holidays}
        merged = []
        for builtin in BUILTIN_HOLIDAYS:
            english, _, chinese = builtin.name.rpartition(" ")
            names = (builtin.name.casefold(), english.casefold(), chinese.casefold())
            merged.append(next((site.pop(name) for name in names if name in site), builtin))
        return (*merged, *site.values())

    def action(self, grade: str, holiday: Holiday | None = None) -> str:
        """What to do for a customer of `grade` (A/B/C): the holiday's own action, else the tier's."""
        return (holiday.action if holiday else None) or self.tier_actions.get(grade, self.tier_actions["C"])


DEFAULT_MAX_GAP_DAYS = {"A": 30, "B": 60, "C": 90}


@dataclass(frozen=True)
class VisitsConfig:
    max_gap_days: dict[str, int] = setting(DEFAULT_MAX_GAP_DAYS, table(DEFAULT_MAX_GAP_DAYS, whole(1, unit=" of days")))


@dataclass(frozen=True)
class RiskConfig:
    dso_increase_percent: int = setting(20, whole(1))
    sales_drop_percent: int = setting(30, whole(1, 100))


DEFAULT_EVALUATION_WEIGHTS = {"ability": 30, "attitude": 20, "results": 50}
DEFAULT_EVALUATION_BANDS = {"outstanding": 90, "excellent": 80, "good": 70, "pass": 60}


@dataclass(frozen=True)
class EvaluationConfig:
    """Customer evaluation (客户考核): the weights of the three scores and the lowest weighted score
    of each band (below `pass` is 不及格)."""

    weights: dict[str, int] = setting(DEFAULT_EVALUATION_WEIGHTS, table(DEFAULT_EVALUATION_WEIGHTS, whole(0)))
    bands: dict[str, int] = setting(DEFAULT_EVALUATION_BANDS, table(DEFAULT_EVALUATION_BANDS, whole(0, 100)))

    def __post_init__(self) -> None:
        if sum(self.weights.values()) <= 0:
            raise Invalid("weights that add up to more than 0", self.weights, key="weights")
        floors = [self.bands[name] for name in DEFAULT_EVALUATION_BANDS]
        if any(b >= a for a, b in zip(floors, floors[1:])):
            raise Invalid("floors falling from outstanding to pass", self.bands, key="bands")

    def band(self, score: int) -> str:
        return next((name for name in DEFAULT_EVALUATION_BANDS if score >= self.bands[name]), "fail")


@dataclass(frozen=True)
class BonusConfig:
    """The new-customer bonus (新客户奖励): who qualifies and how much, by the order total."""

    min_orders: int = setting(3, whole(1))
    window_months: int = setting(3, whole(1, 24))
    min_margin_percent: int = setting(10, whole(0, 100))
    industrial_prepay_percent: int = setting(50, whole(0, 100))
    industrial_industries: tuple[str, ...] = setting(("制造", "工业", "industrial", "manufactur"), words)
    tiers: tuple[tuple[int, int], ...] = setting(((100_000_00, 1_000_00), (200_000_00, 1_500_00),
                                                  (300_000_00, 2_500_00)), bonus_tiers)
    new_product_basis_points: int = setting(100, whole(0, 10_000))  # 新产品奖励: 100 = 1 % of new-product sales

    def bonus_for(self, total_cents: int) -> int:
        """The bonus of the highest tier `total_cents` reaches (0 below the first)."""
        return max((bonus for floor, bonus in self.tiers if total_cents >= floor), default=0)


@dataclass(frozen=True)
class AccessConfig:
    approvals: bool = setting(False, flag)
    grant_default_days: int = setting(30, whole(1))
    deleted_retention_days: int = setting(30, whole(1))


def resolve_database(url: str, base: Path) -> str:
    """`url` with a relative SQLite path (plain or sqlite:///name.db) made absolute against `base`."""
    if "://" not in url:
        return url if url in ("", ":memory:") or Path(url).is_absolute() else str(base / Path(url).expanduser())
    scheme, rest = url.split("://", 1)
    if scheme.startswith("sqlite") and rest.startswith("/"):
        path, sep, query = rest[1:].partition("?")
        if path and path != ":memory:" and not path.startswith("/"):
            return f"{scheme}:///{base / path}{sep}{query}"
    return url


def _section(default: type) -> Any:
    return field(default_factory=default, metadata={"section": True})


@dataclass(frozen=True)
class Config:
    """All of kacrm's settings. `source` is the file loaded (None: defaults only); `base_dir` is
    the folder relative paths in it are resolved against (None: the current directory)."""

    database: DatabaseConfig = _section(DatabaseConfig)
    ui: UiConfig = _section(UiConfig)
    daemon: DaemonConfig = _section(DaemonConfig)
    ledger: LedgerConfig = _section(LedgerConfig)
    company: CompanyConfig = _section(CompanyConfig)
    aging: AgingConfig = _section(AgingConfig)
    dso: DsoConfig = _section(DsoConfig)
    abc: AbcConfig = _section(AbcConfig)
    segments: SegmentsConfig = _section(SegmentsConfig)
    targets: TargetsConfig = _section(TargetsConfig)
    funnel: FunnelConfig = _section(FunnelConfig)
    care: CareConfig = _section(CareConfig)
    visits: VisitsConfig = _section(VisitsConfig)
    risk: RiskConfig = _section(RiskConfig)
    bonus: BonusConfig = _section(BonusConfig)
    evaluation: EvaluationConfig = _section(EvaluationConfig)
    access: AccessConfig = _section(AccessConfig)
    aliases: AliasConfig = _section(AliasConfig)
    source: Path | None = None
    warnings: tuple[str, ...] = ()
    base_dir: Path | None = field(default=None, compare=False, repr=False)

    def _base(self) -> Path:
        return (self.base_dir or Path.cwd()).absolute()

    def database_target(self, override: str | None = None) -> str:
        """The database to open: `override` (--db) as given, else the configured url or path."""
        return override if override is not None else resolve_database(self.database.url, self._base())

    def inbox_dirs(self, inbox: str | Path | None = None) -> tuple[Path, Path, Path]:
        """The daemon's (inbox, archive, rejected) folders; `inbox` is the --inbox override."""
        return self.daemon.dirs(self._base(), inbox)


SECTIONS: dict[str, type] = {f.name: f.default_factory for f in fields(Config) if f.metadata.get("section")}


def _unknown(where: str, what: str, name: str, known: list[str], form: str = "{}") -> str:
    close = difflib.get_close_matches(name, known, n=1)
    hint = f"; did you mean {form.format(close[0])}?" if close else "."
    return f"{where}: unknown {what} (ignored){hint}"


def _parse_section(cls: type, name: str, raw: dict, where: str, warnings: list[str]) -> Any:
    by_key = {f.metadata.get("key") or f.name: f for f in fields(cls)}
    values: dict[str, Any] = {}
    for key, value in raw.items():
        spec = by_key.get(key)
        if spec is None:
            warnings.append(_unknown(where, f"key [{name}] {key}", key, list(by_key)))
            continue
        try:
            values[spec.name] = spec.metadata["rule"](value)
        except Invalid as exc:
            raise _error(where, name, key, exc) from None
    try:
        return cls(**values)
    except Invalid as exc:  # a rule that spans fields, checked by the section itself
        raise _error(where, name, exc.key, exc) from None


def _error(where: str, section: str, key: str, exc: Invalid) -> ConfigError:
    return ConfigError(f"{where}: [{section}] {key}{exc.sub} must be {exc.allowed}; found {show(exc.found)}.")


def _parse_aliases(raw: dict, where: str, warnings: list[str]) -> AliasConfig:
    aliases = AliasConfig()
    for kind, extra in raw.items():
        if kind not in KINDS:
            warnings.append(_unknown(where, f"section [aliases.{kind}]", kind, list(KINDS), "[aliases.{}]"))
            continue
        if not isinstance(extra, dict):
            raise ConfigError(f"{where}: [aliases] {kind} must be a table of field = [header names]; found {show(extra)}.")
        for name, titles in extra.items():
            titles = [titles] if isinstance(titles, str) else titles
            if not isinstance(titles, list) or not all(isinstance(t, str) and t.strip() for t in titles):
                raise ConfigError(f'{where}: [aliases.{kind}] {name} must be a list of column titles, '
                                  f'e.g. ["单号", "Order No."]; found {show(titles)}.')
            try:
                aliases = aliases.with_aliases(kind, {name: titles})
            except KeyError:
                raise ConfigError(f"{where}: [aliases.{kind}] keys must be field names of {kind} files "
                                  f"({', '.join(aliases.fields(kind))}); found {name}.") from None
            except AliasClash as exc:
                raise ConfigError(f"{where}: [aliases.{kind}] {name} must be titles no other field uses; "
                                  f'found "{exc.alias}", which names {exc.owner}.') from None
    return aliases


def build_config(data: Mapping[str, Any], *, source: Path | None = None, base_dir: Path | None = None) -> Config:
    """A `Config` from parsed TOML `data` (`source` names it in messages); raises ConfigError."""
    where = str(source) if source else "config"
    warnings: list[str] = []
    parts: dict[str, Any] = {}
    for name, raw in data.items():
        if name not in SECTIONS:
            warnings.append(_unknown(where, f"section [{name}]", name, list(SECTIONS), "[{}]"))
            continue
        if not isinstance(raw, dict):
            raise ConfigError(f"{where}: [{name}] must be a table of settings; found {name} = {show(raw)}.")
        if name == "aliases":
            parts[name] = _parse_aliases(raw, where, warnings)
        else:
            parts[name] = _parse_section(SECTIONS[name], name, raw, where, warnings)
    base = base_dir if base_dir is not None else (source.parent if source else None)
    return Config(**parts, source=source, warnings=tuple(warnings), base_dir=base)


def locate_config(path: str | Path | None = None, *, env: Mapping[str, str] | None = None,
                  cwd: Path | None = None) -> Path | None:
    """The config file to load (DESIGN §7): `path`, else $KACRM_CONFIG (each must exist), else the
    first of ./config.toml, ~/.config/kacrm/config.toml, /etc/kacrm/config.toml; None if none."""
    env = os.environ if env is None else env
    here = Path(cwd).absolute() if cwd is not None else Path.cwd()
    for named, how in ((path, "--config"), (env.get("KACRM_CONFIG") or None, "KACRM_CONFIG")):
        if named is not None:
            chosen = here / Path(named).expanduser()
            if not chosen.is_file():
                raise ConfigError(f"The config file {chosen} given by {how} does not exist or is not a file; "
                                  f"correct {how} or create the file.")
            return chosen
    home = Path(env["HOME"]) if env.get("HOME") else Path.home()
    user_dir = Path(env["XDG_CONFIG_HOME"]) if env.get("XDG_CONFIG_HOME") else home / ".config"
    for candidate in (here / "config.toml", user_dir / "kacrm" / "config.toml", SYSTEM_CONFIG):
        if candidate.is_file():
            return candidate
    return None


def read_config(source: Path) -> Config:
    """Parse and check one config file; raises ConfigError."""
    try:
        content = source.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise ConfigError(f"{source}: cannot be read ({exc.strerror}); check that the file is readable.") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{source}: is not UTF-8 text; save it as UTF-8.") from None
    try:
        data = tomllib.loads(content, parse_float=Decimal)  # Decimal: 0.1 stays exactly 0.1
    except tomllib.TOMLDecodeError as exc:
        reason = str(exc)
        raise ConfigError(f"{source}: invalid TOML, {reason[:1].lower()}{reason[1:]}; fix the syntax there.") from None
    return build_config(data, source=source)


def load_config(path: str | Path | None = None, *, env: Mapping[str, str] | None = None,
                cwd: Path | None = None) -> Config:
    """Find (see `locate_config`), read and check the configuration; defaults only when no file
    exists. Raises ConfigError for a missing named file, bad TOML or a bad value."""
    source = locate_config(path, env=env, cwd=cwd)
    if source is None:
        return Config(base_dir=Path(cwd).absolute() if cwd is not None else None)
    return read_config(source)
