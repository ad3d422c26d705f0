"""What is wrong with a line of a file, in words: one `Problem` per bad cell, line or header, and
the reason texts in Chinese and English, one table keyed by reason key. The daemon's error report
beside a rejected file is these problems, one `format_problem` line each; `kacrm import customers`
reports its rejected lines with the same Problem (and its own reason keys beside these)."""
from __future__ import annotations

from dataclasses import dataclass, field as dataclass_field
from typing import Any

# reason key -> (中文, English); {names} are filled from the problem's args.
REASONS: dict[str, tuple[str, str]] = {
    # one cell
    "missing": ("必填项为空", "required value is empty"),
    "not_amount": ("不是金额", "not an amount"),
    "too_many_decimals": ("超过两位小数", "more than two decimals"),
    "too_many_places": ("超过 {places} 位小数", "more than {places} decimals"),
    "too_large": ("数值过大", "number too large"),
    "not_number": ("不是数字", "not a number"),
    "not_integer": ("不是整数", "not a whole number"),
    "not_date": ("无法识别的日期, 请用 YYYY-MM-DD、YYYY/MM/DD 或 YYYYMMDD",
                 "unreadable date; use YYYY-MM-DD, YYYY/MM/DD or YYYYMMDD"),
    "no_such_date": ("没有这一天", "no such date"),
    "not_text": ("不是文本", "not a text value"),
    "too_long": ("超过 {max} 个字符", "longer than {max} characters"),
    "not_positive": ("必须大于零", "must be greater than zero"),
    "negative": ("不能为负数", "must not be negative"),
    "due_before_order": ("到期日早于订单日期 {order_date}", "due date is before the order date {order_date}"),
    "second_currency": ("币种 {found} 与账本币种 {expected} 不同", "currency {found} is not the ledger currency {expected}"),
    "not_currency": ("不是币种代码 (如 CNY)", "not a currency code (such as CNY)"),
    "unknown_method": ("未知的回款方式, 可用: 现金、转账、支票、承兑汇票",
                       "unknown payment method; use cash, transfer, cheque or bill"),
    "unknown_choice": ("不是可选值, 可用: {allowed}", "not one of the allowed values: {allowed}"),
    "score_range": ("评分须为 1 到 5 的整数", "a score is a whole number from 1 to 5"),
    # one line
    "bad_json": ("不是有效的 JSON ({detail})", "not valid JSON ({detail})"),
    "not_object": ("这一行不是 JSON 对象", "the line is not a JSON object"),
    "bad_csv": ("CSV 格式错误 ({detail})", "malformed CSV ({detail})"),
    "extra_cells": ("比表头多出 {count} 个单元格", "{count} more cells than the header has columns"),
    "unreadable_line": ("这一行不是 UTF-8 文本", "the line is not UTF-8 text"),
    # the whole file or its header
    "unreadable_encoding": ("文件既不是 UTF-8 也不是 GB18030/GBK 文本, 请另存为 CSV UTF-8",
                            "the file is neither UTF-8 nor GB18030/GBK text; save it as CSV UTF-8"),
    "unsupported_format": ("不支持的文件格式 ({detail}), 请另存为 .xlsx 或 CSV",
                           "unsupported file format ({detail}); save it as .xlsx or CSV"),
    "unreadable_xlsx": ("无法读取这个 Excel 文件 ({detail}), 请用 Excel 另存为 .xlsx 后再放入",
                        "the Excel file cannot be read ({detail}); save it again as .xlsx from Excel"),
    "empty_file": ("文件是空的, 没有表头和数据", "the file is empty: no header and no data"),
    "unknown_kind": ("无法识别文件类型: 作为{kind_zh}文件缺少必填列 {missing}",
                     "cannot tell the kind of file: as {kind_en} file it is missing required column {missing}"),
    "ambiguous_kind": ("无法识别文件类型: 表头既像订单又像回款",
                       "cannot tell the kind of file: the header fits both orders and payments"),
    "duplicate_column": ("与列 {other} 都对应字段 {field}", "names the same field {field} as column {other}"),
    "unknown_column": ("客户资料文件中无法识别的列, 请改为档案字段名或删除这一列",
                       "unknown column in a customer master; rename it to an archive field or remove it"),
    "ignored_column": ("无法识别的列, 已忽略", "unknown column, ignored"),
    # found by ingest against the database
    "unknown_customer": ("未知客户编码", "unknown customer code"),
    "unknown_owner": ("未知的客户经理登录名", "unknown rep login"),
    "unknown_order": ("未知订单号", "unknown order number"),
    "duplicate_key_conflict": ("与文件 {file} 第 {line} 行的同号记录内容不同",
                               "clashes with the same key in {file} line {line}"),
    "duplicate_in_file_conflict": ("与本文件第 {line} 行的同号记录内容不同",
                                   "clashes with the same key on line {line} of this file"),
    "name_required_for_new_customer": ("新客户必须填写客户名称", "a new customer code needs a name"),
}

KIND_NAMES_ZH = {"orders": "订单", "payments": "回款", "customers": "客户资料"}
KIND_NAMES_EN = {"orders": "an orders", "payments": "a payments", "customers": "a customer master"}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a file. `line` is the line a person sees in Excel or an editor (0:
    the file as a whole); `column` the header as written in the file ("" for a whole line);
    `field` the field it stands for, if known; `value` the bad value as the file shows it."""

    line: int
    column: str
    value: str
    reason_key: str
    args: dict[str, Any] = dataclass_field(default_factory=dict)
    field: str | None = None

    def reason(self, language: str = "zh") -> str:
        """The reason alone, e.g. "没有这一天"."""
        return reason_text(self.reason_key, language, **self.args)

    def message(self, language: str = "zh") -> str:
        """The whole line of the error report (see `format_problem`)."""
        return format_problem(self, language)


def reason_text(reason_key: str, language: str = "zh", **args: Any) -> str:
    """The text of a reason in `language` ("zh" or "en"), with its args filled in; an unknown
    key is shown as it is, so a report is never lost to a missing text."""
    pair = REASONS.get(reason_key)
    if pair is None:
        return reason_key
    args = dict(args)
    kind = str(args.get("kind", ""))
    args.setdefault("kind_zh", KIND_NAMES_ZH.get(kind, kind))
    args.setdefault("kind_en", KIND_NAMES_EN.get(kind, f"a {kind}"))
    template = pair[0 if language == "zh" else 1]
    try:
        return template.format(**args)
    except (KeyError, IndexError, ValueError):
        return template


def _where(problem: Problem, language: str) -> str:
    zh = language == "zh"
    parts = []
    if problem.line:
        parts.append(f"第 {problem.line} 行" if zh else f"line {problem.line}")
    if problem.column or problem.field:
        name = problem.field or problem.column
        written = problem.column if problem.column and problem.column.strip() != name else ""
        if zh:
            parts.append(f"列 {name} [{written}]" if written else f"列 {name}")
        else:
            parts.append(f"column {name} ({written})" if written else f"column {name}")
    if not parts:
        return "文件" if zh else "file"
    return " ".join(parts) if zh else ", ".join(parts)


def format_problem(problem: Problem, language: str = "zh") -> str:
    """One line of the error report: where, the bad value exactly as the file shows it, why:
    "第 2 行 列 order_date [订单日期]: 2026-11-31 - 没有这一天" or
    "line 2, column order_date (订单日期): 2026-11-31 - no such date"."""
    reason = problem.reason(language)
    value = f"{problem.value} - " if problem.value != "" else ""
    return f"{_where(problem, language)}: {value}{reason}"
