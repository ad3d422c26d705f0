"""Search as you type (schema.search): what matches, through the trigram indexes of migration 4
and without them (PostgreSQL, an old SQLite), kept current by every write, never past the access
rule, and the same page whichever way the page was found."""
from __future__ import annotations

import pytest

from schema import search
from schema.audit import audited_update
from schema.models import Contact, Customer
from schema.search import Filters, search_customers


def codes(rep, text, **options) -> list[str]:
    return [row.code for row in search_customers(rep, text, **options)]


@pytest.fixture(params=["indexed", "like"])
def way(request, db):
    """Each test runs with the trigram indexes, and again without them (the LIKE fallback)."""
    if request.param == "like":
        for table in ("customer_search", "contact_search"):
            for trigger in ("insert", "delete", "update"):
                db.execute_sql(f"DROP TRIGGER {table}_{trigger}")
            db.execute_sql(f"DROP TABLE {table}")
    assert search._has_search_index() == (request.param == "indexed")
    return request.param


@pytest.fixture
def book(way, make_rep, make_customer):
    """Two reps; 王丽 owns three customers, 李强 one that matches the same searches."""
    wang, li = make_rep("wangli"), make_rep("liqiang")
    sinopec = make_customer(wang, code="C1001", name="中国石化上海分公司", short_name="上海石化")
    haina = make_customer(wang, code="C1002", name="青岛海纳化工有限公司", short_name="海纳化工", phone="0532-8888 1234")
    make_customer(wang, code="C1003", name="北京燕山石化有限公司", short_name="燕山石化")
    make_customer(li, code="C2001", name="中国石化广州分公司", short_name="广州石化")
    Contact.create(customer=haina, name="欧阳明", mobile="13900001234")
    Contact.create(customer=sinopec, name="张伟", mobile="13800005678", phone="021-6666 7777")
    return wang, li


def test_pinyin_initials_and_full_pinyin_find_the_name(book):
    wang, _ = book
    assert codes(wang, "zgsh") == ["C1001"]
    assert codes(wang, "qdhn") == ["C1002"]
    assert codes(wang, "QDHN") == ["C1002"]  # either case
    assert codes(wang, "qingdao") == ["C1002"]
    assert codes(wang, "shihua") == ["C1001", "C1003"]  # three letters or more: anywhere in the pinyin


def test_three_characters_match_anywhere_one_or_two_the_start(book):
    wang, _ = book
    assert codes(wang, "石化上") == ["C1001"]
    assert codes(wang, "有限公司") == ["C1002", "C1003"]
    assert codes(wang, "中国") == ["C1001"]  # the start of the name
    assert codes(wang, "燕山") == ["C1003"]  # the start of the short name
    assert codes(wang, "石化") == []  # two characters inside a name: too common to mean anything
    assert codes(wang, "c100") == ["C1001", "C1002", "C1003"]
    assert codes(wang, "C") == ["C1001", "C1002", "C1003"]
    assert codes(wang, "1002") == ["C1002"]


def test_contacts_and_phones(book):
    wang, _ = book
    assert codes(wang, "欧阳") == ["C1002"]  # two characters: the start of a contact's name
    assert codes(wang, "张伟") == ["C1001"]
    assert codes(wang, "张") == []  # one character: customers' own keys only
    assert codes(wang, "0001234") == ["C1002"]  # a piece of a mobile
    assert codes(wang, "6666") == ["C1001"]  # of a contact's phone
    assert codes(wang, "8888") == ["C1002"]  # of the customer's phone
    assert codes(wang, "138") == ["C1001"]
    assert codes(wang, "%%%") == [] and codes(wang, "__") == []  # LIKE wildcards are plain characters


def test_a_rep_never_finds_another_reps_customer(book):
    wang, li = book
    assert codes(li, "zgsh") == ["C2001"]
    assert codes(wang, "广州") == [] and codes(wang, "C2001") == []
    assert codes(li, "有限公司") == [] and codes(li, "欧阳") == []


def test_every_write_keeps_the_search_current(book):
    wang, _ = book
    sinopec = Customer.get(Customer.code == "C1001")
    audited_update(sinopec, {"name": "重庆长安汽车"}, actor=wang, reason="更名")
    assert codes(wang, "zgsh") == [] and codes(wang, "cqca") == ["C1001"] and codes(wang, "长安汽") == ["C1001"]
    contact = Contact.get(Contact.name == "欧阳明")
    Contact.update(mobile="13711112222").where(Contact.id == contact.id).execute()
    assert codes(wang, "0001234") == [] and codes(wang, "1111222") == ["C1002"]
    Contact.update(deleted_at=Customer.get_by_id(sinopec.id).updated_at).where(Contact.id == contact.id).execute()
    assert codes(wang, "欧阳") == [] and codes(wang, "1111222") == []  # a deleted contact leads nowhere
    Contact.create(customer=sinopec, name="司马光", mobile="13312345678")
    assert codes(wang, "司马") == ["C1001"] and codes(wang, "2345678") == ["C1001"]
    Contact.delete().where(Contact.name == "司马光").execute()
    assert codes(wang, "2345678") == []


def test_a_page_is_the_same_whether_read_in_order_or_through_the_index(book, make_customer, monkeypatch):
    """Forty customers, every third one a 有限公司: the first rows read in code order hold a page
    (a common search) or not (then the index answers); both give the same pages."""
    wang, _ = book
    for number in range(40):
        make_customer(wang, code=f"D{number:03d}", name=f"测试{number}" + ("贸易有限公司" if number % 3 == 0 else "商行"))
    limited = ["C1002", "C1003"] + [f"D{n:03d}" for n in range(0, 40, 3)]  # 2 + 14, in code order
    for rows, pages in ((1000, 10), (5, 1), (1, 1)):
        monkeypatch.setattr(search, "PROBE_ROWS", rows)
        monkeypatch.setattr(search, "PROBE_PAGES", pages)
        assert codes(wang, "有限公司", limit=100) == limited
        pages = [codes(wang, "有限公司", limit=4, offset=offset) for offset in range(0, 16, 4)]
        assert pages == [limited[0:4], limited[4:8], limited[8:12], limited[12:16]]
        assert codes(wang, "有限公司", limit=4, descending=True) == limited[::-1][:4]
        assert codes(wang, "D0", limit=3, offset=38) == ["D038", "D039"]


def test_search_with_filters_and_other_orders(book):
    wang, _ = book
    Customer.update(grade="A").where(Customer.code == "C1003").execute()
    assert codes(wang, "有限公司", filters=Filters(grades=("A",))) == ["C1003"]
    assert codes(wang, "有限公司", order="name") == ["C1003", "C1002"]  # beijing before qingdao
    assert codes(wang, "有限公司", order="owner", descending=True) == ["C1003", "C1002"]  # ties by id, reversed
