"""The people and the archive (客户档案) of the demo: reps, customers and their contacts."""
from __future__ import annotations

import calendar
import datetime as dt
import math
from dataclasses import dataclass, field

from kacrm_tui.demo import corpus, phrases
from kacrm_tui.demo.context import DAY, WAN, YUAN, Demo, Weighted, round_to
from kacrm_tui.demo.rows import COLUMNS
from schema.models import Customer
from schema.pinyin import pinyin_keys

LIFECYCLES = Weighted.of((("active", 58), ("new", 8), ("dormant", 8), ("prospect", 14), ("future", 5), ("lost", 7)))
GRADES = Weighted.of((("A", 20), ("B", 30), ("C", 50)))
NATURES = Weighted.of((("company", 80), ("partner", 7), ("special", 5), ("government", 4), ("individual", 4)))
ORG_FORMS = Weighted.of((("private", 45), ("joint_stock", 18), ("state", 12), ("joint_venture", 9), ("foreign", 6),
                         ("collective", 5)))
SUFFIXES = Weighted.of(corpus.COMPANY_SUFFIXES)
PROFILES = Weighted.of((("prompt", 55), ("slow", 15), ("lump", 14), ("bad", 8), ("prepay", 8)))
SHOWCASE_PROFILES = ("prompt", "bad", "prepay", "slow", "lump", "bad")  # the first customers: every case shows
CREDIT_DAYS = Weighted.of(((30, 40), (45, 25), (60, 25), (90, 10)))
SETTLEMENT = Weighted.of((("monthly", 55), ("bill", 20), ("cash", 10), ("consignment", 5)))
RATINGS = {"prompt": ("AAA", "AA", "AA", "A"), "slow": ("A", "BBB", "BBB"), "lump": ("AA", "A", "A"),
           "bad": ("BB", "B"), "prepay": ("AAA", "AA")}
CONTACT_COUNTS = Weighted.of(((2, 25), (3, 35), (4, 25), (5, 15)))
STAGES = Weighted.of((("acquainted", 35), ("meeting", 30), ("trust", 25), ("alliance", 10)))
OTHER_ROLES = ("technical", "financial", "user", "coach")
INDUSTRIES = Weighted.of(tuple((industry, industry.weight) for industry in corpus.INDUSTRIES))
CHANNELS = {industry.name: Weighted.of(industry.channels) for industry in corpus.INDUSTRIES}
REGIONS = Weighted.of(tuple(corpus.REGION_WEIGHTS.items()))
# typical order of a customer, in yuan, by grade
ORDER_SCALE = {"A": (80_000, 400_000), "B": (25_000, 120_000), "C": (8_000, 40_000)}
TRADING = ("active", "new", "dormant")


@dataclass(slots=True)
class Account:
    """One customer while the demo is made: what later generators need, and its columns."""

    id: int
    code: str
    owner: int
    region: str
    city: corpus.City
    industry: corpus.Industry
    grade: str
    lifecycle: str
    profile: str  # how it pays, for trading customers
    credit_days: int
    since: dt.date  # when the relationship began (the record's creation)
    scale: int  # cents of a typical order
    domain: str
    row: dict = field(default_factory=dict)
    contacts: list[tuple[int, str, str]] = field(default_factory=list)  # (id, name, buying role)
    contact_rows: list[tuple] = field(default_factory=list)
    # filled by the trade generator
    balance: int = 0
    first_deal: dt.date | None = None
    sales_12m: int = 0
    credit_limit: int = 0

    @property
    def trading(self) -> bool:
        return self.lifecycle in TRADING


# --- reps --------------------------------------------------------------------------------------
def make_reps(demo: Demo, customers: int) -> tuple[list[tuple], dict[str, list[int]]]:
    """The manager `demo`, an `admin`, and one rep per ~250 customers (at least the 8 of the corpus),
    spread over the regions by their weight. Returns the rows and the rep ids of each region."""
    rows, by_region = [], {region: [] for region in corpus.REGIONS}
    logins: set[str] = set()

    def add(login: str, name: str, role: str, region: str, manager: int | None) -> None:
        rep_id = demo.new_id("rep")
        logins.add(login)
        when = demo.stamp(demo.today - dt.timedelta(days=1000 - len(rows) % 700))
        rows.append((rep_id, login, name, role, region, manager, demo.mobile(), f"{login}@kacrm-demo.cn", "", 1,
                     1, when, when, None))
        if role == "rep":
            by_region[region].append(rep_id)

    add(*corpus.MANAGER, "manager", "", None)
    add(*corpus.ADMIN, "admin", "", None)
    for login, name, region in corpus.REPS:
        add(login, name, "rep", region, demo.manager_id)
    extra = max(0, math.ceil(customers / 250) - len(corpus.REPS))
    total_weight = sum(corpus.REGION_WEIGHTS.values())
    for n in range(extra):
        # the region whose share of reps lags its share of customers the most
        region = min(corpus.REGIONS, key=lambda r: (len(by_region[r]) / corpus.REGION_WEIGHTS[r] * total_weight, r))
        name, login = demo.person()
        base, suffix = login, 2
        while login in logins:  # 张伟 and 章伟 are both zhangwei
            login, suffix = f"{base}{suffix}", suffix + 1
        add(login, name, "rep", region, demo.manager_id)
    return rows, by_region


# --- customers ---------------------------------------------------------------------------------
class CustomerMaker:
    """Makes customers one after another; keeps what must be unique across the whole demo."""

    def __init__(self, demo: Demo, reps_by_region: dict[str, list[int]]):
        self.demo = demo
        self.reps_by_region = reps_by_region
        self.names: set[str] = set()
        self.routes: dict[int, int] = {}
        self.trading_seen = 0
        self.role_turn = 0

    def make(self, number: int) -> Account:
        demo, rng = self.demo, self.demo.rng
        region = REGIONS.draw(rng)
        city = demo.pick(corpus.CITIES[region])
        industry = INDUSTRIES.draw(rng)
        grade = GRADES.draw(rng)
        lifecycle = "active" if number <= len(SHOWCASE_PROFILES) else LIFECYCLES.draw(rng)
        profile = ""
        if lifecycle in TRADING:
            profile = SHOWCASE_PROFILES[number - 1] if number <= len(SHOWCASE_PROFILES) else PROFILES.draw(rng)
        since = demo.today - dt.timedelta(days={
            "active": rng.randrange(200, 2500), "new": rng.randrange(40, 110), "dormant": rng.randrange(600, 2500),
            "prospect": rng.randrange(20, 400), "future": rng.randrange(5, 200), "lost": rng.randrange(800, 3000),
        }[lifecycle])
        owner = demo.pick(self.reps_by_region[region])
        self.routes[owner] = self.routes.get(owner, 0) + 1
        low, high = ORDER_SCALE[grade]
        scale = round_to(rng.randrange(low, high) * YUAN, 1000 * YUAN)
        account = Account(number, f"C{number:06d}", owner, region, city, industry, grade, lifecycle, profile,
                          CREDIT_DAYS.draw(rng), since, scale, "")
        self._profile(account, self.routes[owner])
        self._contacts(account)
        return account

    def _name(self, account: Account, nature: str) -> tuple[str, str, str, str]:
        """(name, short name, nature, web domain), the name unique in the demo."""
        demo, city, industry = self.demo, account.city, account.industry
        district = demo.pick(city.districts)[0]
        if nature == "government":
            for _ in range(4):
                name = f"{city.name}市{district}{demo.pick(corpus.GOVERNMENT_BODIES)}"
                if name not in self.names:
                    return name, name[len(city.name) + 1:][:20], nature, ""
            nature = "special"
        if nature == "individual":
            for _ in range(4):
                person = demo.person()[0]
                name = f"{city.name}市{district}{person}{demo.pick(corpus.SOLE_TRADER_WORDS)}"
                if name not in self.names:
                    return name, person + industry.words[0], nature, ""
            nature = "company"
        for attempt in range(100):
            first = demo.pick(corpus.TRADE_NAME_FIRST)
            second = demo.pick(corpus.TRADE_NAME_SECOND)
            trade_name = first + second + (demo.pick(corpus.TRADE_NAME_SECOND) if attempt >= 8 else "")
            word = demo.pick(industry.words)
            roll = demo.rng.random()
            prefix = city.name if roll < 0.65 else city.short_province if roll < 0.85 else ""
            if nature == "special":
                name = f"{trade_name}{word}集团有限公司{city.name}分公司"
            else:
                name = f"{prefix}{trade_name}{word}{SUFFIXES.draw(demo.rng)}"
            if name not in self.names:
                slug = "".join(corpus.TRADE_NAME_PINYIN[c] for c in trade_name)
                domain = slug + demo.pick((industry.slug + ".com", ".com", ".com.cn", "group.com", ".cn"))
                return name, trade_name + word, nature, domain
        raise AssertionError("no free company name")  # 4,800 trade names × words × cities: cannot happen

    def _profile(self, account: Account, route: int) -> None:
        demo, rng, city = self.demo, self.demo.rng, account.city
        nature = NATURES.draw(rng)
        name, short_name, nature, domain = self._name(account, nature)
        self.names.add(name)
        account.domain = domain
        district, streets = demo.pick(city.districts)
        address = f"{city.province}{city.name}市{district}{demo.pick(streets)}{rng.randrange(1, 1999)}号"
        if rng.random() < 0.3:
            address += f"{rng.randrange(1, 30)}楼"
        legal_rep = demo.person()[0]
        suffix_org = "joint_stock" if "股份" in name else None
        org_form = {"government": "state", "individual": "individual"}.get(nature) or suffix_org or ORG_FORMS.draw(rng)
        grade = account.grade
        low, high = {"A": (5_000, 200_000), "B": (1_000, 20_000), "C": (50, 5_000)}[grade]  # 万元
        capital = None if nature == "government" else round_to(rng.randrange(low, high) * WAN, 10 * WAN)
        low, high = {"A": (500, 20_000), "B": (100, 2_000), "C": (10, 300)}[grade]
        employees = rng.randrange(low, high)
        founded_year = rng.randrange(1985, max(1986, min(account.since.year, demo.today.year - 1)))
        profile = account.profile
        fill = account.lifecycle != "future" or rng.random() < 0.5

        def note(options: tuple[str, ...]) -> str:
            if not fill:
                return ""
            return demo.pick(options).format(city=city.name, province=city.province or city.name,
                                             n=rng.randrange(2, 30), pct=rng.randrange(5, 60), days=account.credit_days)

        settlement = ("prepaid" if profile == "prepay" else "monthly" if profile == "lump"
                      else SETTLEMENT.draw(rng) if account.trading else "")
        prospect = account.lifecycle in ("prospect", "future")
        scores = [min(5, max(1, round(rng.triangular(1, 5, 3.2)))) if prospect else None for _ in range(8)]
        channel = ("retailer" if nature == "individual" else "direct_user" if nature == "government"
                   else CHANNELS[account.industry.name].draw(rng))
        if org_form in ("private", "individual"):
            proprietor = legal_rep
        elif org_form == "joint_stock":
            proprietor = f"{short_name[:2]}控股集团"
        else:
            proprietor = "" if nature == "government" else demo.person()[0]
        when = demo.stamp(account.since)
        account.row = {
            "id": account.id, "code": account.code, "name": name,
            "name_pinyin": pinyin_keys(name)[0], "name_initials": pinyin_keys(name)[1], "short_name": short_name,
            "address": address, "phone": demo.landline(city.area_code), "website": f"www.{domain}" if domain else "",
            "legal_rep": legal_rep, "proprietor": proprietor,
            "general_manager": legal_rep if rng.random() < 0.35 else demo.person()[0],
            "founded": dt.date(founded_year, rng.randrange(1, 13), rng.randrange(1, 29)).isoformat(),
            "org_form": org_form, "industry": account.industry.name, "registered_capital_cents": capital,
            "employees": employees,
            "annual_revenue_cents": None if capital is None
            else round_to(capital * rng.randrange(150, 900) // 100, 100 * WAN),
            "first_deal_date": None,
            "service_area": note(phrases.SERVICE_AREA), "sales_capacity": note(phrases.SALES_CAPACITY),
            "growth_potential": note(phrases.GROWTH_POTENTIAL), "philosophy": note(phrases.PHILOSOPHY),
            "management_style": note(phrases.MANAGEMENT_STYLE),
            "competitor_relation": note(phrases.COMPETITOR_RELATION), "attitude_to_us": note(phrases.ATTITUDE_TO_US),
            "staff_quality": note(phrases.STAFF_QUALITY),
            "credit_rating": demo.pick(RATINGS[profile]) if profile else "",
            "credit_limit_cents": 0, "credit_days": account.credit_days, "settlement_method": settlement,
            "trade_terms": note(phrases.TRADE_TERMS) if account.trading else "",
            "reputation": note(phrases.REPUTATION),
            "credit_incidents": demo.pick(phrases.CREDIT_INCIDENTS_BAD) if profile == "bad" else
            "偶有逾期，提醒后即付" if profile == "slow" and rng.random() < 0.4 else "",
            "lifecycle": account.lifecycle, "nature": nature, "channel": channel, "region": account.region,
            "route": route, "grade": grade, "purchase_potential_cents": None, "abc_class": "", "segment": "",
            "strategy": "", "score_strength": scores[0], "score_management": scores[1], "score_network": scores[2],
            "score_purchasing_power": scores[3], "score_marketing": scores[4], "score_growth": scores[5],
            "score_advantage": scores[6], "intent": scores[7], "owner": account.owner, "balance_cents": 0,
            "notes": demo.pick(phrases.NOTES), "version": 1, "created_at": when,
            "updated_at": max(when, demo.stamp(demo.day_between(account.since, demo.today))), "deleted_at": None,
        }

    def _contacts(self, account: Account) -> None:
        demo, rng = self.demo, self.demo.rng
        count = CONTACT_COUNTS.draw(rng)
        roles = ["decision_maker", "purchaser"]
        while len(roles) < count:  # the other roles in turn across the demo, so that every one appears
            roles.append(OTHER_ROLES[self.role_turn % len(OTHER_ROLES)])
            self.role_turn += 1 + (rng.random() < 0.3)
        for index, role in enumerate(roles):
            contact_id = demo.new_id("contact")
            name, pinyin = demo.person()
            account.contacts.append((contact_id, name, role))
            title, department = demo.pick(phrases.ROLE_TITLES[role])
            stage = STAGES.draw(rng) if role != "coach" else demo.pick(("trust", "alliance"))
            year = rng.randrange(1962, 1998)
            lunar = rng.random() < 1 / 3
            month = rng.randrange(1, 13)
            day = rng.randrange(1, 31) if lunar else rng.randrange(1, calendar.monthrange(year, month)[1] + 1)
            email = (f"{pinyin}@{account.domain}" if account.domain
                     else f"{pinyin}{rng.randrange(1, 999)}@{demo.pick(('163.com', 'qq.com', '126.com'))}")
            wechat = (f"wxid_{rng.randrange(36 ** 9, 36 ** 10):x}" if rng.random() < 0.5
                      else f"{pinyin}{rng.randrange(1, 9999)}")
            hobbies = "、".join(rng.sample(phrases.HOBBIES, rng.randrange(1, 4)))
            when = demo.stamp(demo.day_between(account.since, min(demo.today, account.since + 200 * DAY)))
            account.contact_rows.append((
                contact_id, account.id, name, title, department, role, stage,
                demo.landline(account.city.area_code) if rng.random() < 0.4 else "", demo.mobile(), email, wechat,
                "lunar" if lunar else "solar", month, day, year, hobbies, demo.pick(phrases.FAMILY_NOTES),
                demo.pick(phrases.PERSONALITY_NOTES), int(index == 1), 1, when, when, None))


def customer_row(account: Account) -> tuple:
    """The customer's row, once the trade generator has filled its balance and limits."""
    row = account.row
    row["balance_cents"] = account.balance
    row["first_deal_date"] = account.first_deal.isoformat() if account.first_deal else None
    row["credit_limit_cents"] = account.credit_limit
    return tuple(row[name] for name in COLUMNS[Customer])


