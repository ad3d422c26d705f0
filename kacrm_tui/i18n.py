"""What the command line and the app say, in zh_CN and English. One table, looked up by key."""
from __future__ import annotations

import os

MESSAGES: dict[str, tuple[str, str]] = {
    "init.created": ("已创建数据库 {db}，结构版本 {version}。", "Created database {db} at schema version {version}."),
    "init.upgraded": ("已升级数据库 {db}：{names}；现为结构版本 {version}。",
                      "Upgraded database {db} ({names}); now at schema version {version}."),
    "init.current": ("数据库 {db} 已是最新结构版本 {version}。", "Database {db} is already at schema version {version}."),
    "init.admin": ("{login} 现为管理员。", "{login} is now an admin."),
    "user.added": ("已添加用户 {login}（{role}）。", "Added user {login} ({role})."),
    "user.role_set": ("{login} 的角色现为 {role}。", "{login} is now a {role}."),
    "user.removed": ("已停用用户 {login}。", "Deactivated user {login}."),
    "user.granted": ("{login} 可{level}客户 {code}，至 {until}。", "{login} may {level} customer {code} until {until}."),
    "check.schema": ("结构版本 {current}/{latest}", "schema version {current} of {latest}"),
    "check.storage": ("数据库完整性与外键", "database integrity and foreign keys"),
    "check.balances": ("缓存余额 = 往来明细合计", "cached balance = sum of postings"),
    "check.postings": ("每张订单和每笔回款各有一条金额相符的往来", "one posting per order and payment, of its amount"),
    "check.allocations": ("核销金额不超过回款或订单", "allocations never exceed a credit or an order"),
    "check.ok": ("全部 {n} 项检查通过。", "All {n} checks passed."),
    "check.failed": ("{n} 项检查未通过。", "{n} checks failed."),
    "backup.done": ("已备份到 {path}（{size} 字节）。", "Backed up to {path} ({size} bytes)."),
    "demo.built": ("演示数据已生成：{customers} 个客户、{orders} 张订单、{visits} 条拜访记录，用时 {seconds} 秒。",
                   "Demo built: {customers} customers, {orders} orders, {visits} visits in {seconds} s."),
    "demo.where": ("数据库：{db}\n投递目录：{inbox}\n配置：{config}",
                   "Database: {db}\nDrop folder: {inbox}\nConfig: {config}"),
    "demo.next": ("接下来可运行：\n  {k} --user demo check                     # 结构版本与各项不变量\n"
                  "  {k} --user demo user list                 # 用户与角色\n"
                  "  {k} --user demo daemon --once             # 导入投递目录中的示例文件\n"
                  "  {k} --user demo export balances           # 应收余额\n"
                  "  {k} --user demo daemon status             # 守护进程心跳",
                  "Next, try:\n  {k} --user demo check                     # schema version and every invariant\n"
                  "  {k} --user demo user list                 # users and roles\n"
                  "  {k} --user demo daemon --once             # ingest the sample drop files in the inbox\n"
                  "  {k} --user demo export balances           # receivable balances\n"
                  "  {k} --user demo daemon status             # the daemon's heartbeat"),
    "stage.customers": ("客户及其往来", "customers and their history"), "stage.classify": ("客户分类", "classifying"),
    "stage.targets": ("销售目标", "targets"), "stage.drop files": ("示例投递文件", "sample drop files"),
    "tui.title": ("kacrm 大客户管理", "kacrm key accounts"),
    "tui.search": ("搜索：编码、名称、拼音首字母、联系人或手机", "Search: code, name, pinyin initials, contact or mobile"),
    "tui.quit": ("退出", "Quit"), "tui.search_key": ("搜索", "Search"), "tui.back": ("返回", "Back"),
    "tui.open": ("打开", "Open"), "tui.more": ("更多", "More"),
    "tui.status": ("用户 {login}（{role}） 数据库 {db} 守护进程 {daemon}", "User {login} ({role})  Database {db}  Daemon {daemon}"),
    "tui.daemon_ok": ("{age} 秒前心跳", "beat {age} s ago"), "tui.daemon_down": ("未运行或失联", "not running or stale"),
    "tui.count": ("{shown} / {total} 个客户", "{shown} of {total} customers"),
    "col.grade": ("等级", "Grade"), "col.limit": ("信用额度", "Limit"),
    "edit.save": ("保存", "Save"), "edit.cancel": ("取消", "Cancel"), "edit.reload": ("放弃并重新载入", "Reload"),
    "edit.on_top": ("在新版本上应用我的修改", "Apply mine on top"), "edit.key": ("修改", "Edit"),
    "edit.reason": ("修改原因", "Reason"), "edit.reason_hint": ("必填：为什么修改", "required: why the change"),
    "edit.reason_needed": ("请填写修改原因。", "Give a reason for the change."),
    "edit.not_number": ("{field} 必须是整数。", "{field} must be a whole number."),
    "edit.not_allowed": ("你不能修改这个客户。", "You may not change this customer."),
    "edit.saved": ("已保存。", "Saved."),
    "edit.conflict": ("别人在你打开后保存了这个客户（现为第 {version} 版），你的修改尚未保存。他们改了：",
                      "Someone saved this customer after you opened it (now version {version}); yours is not saved. They changed:"),
    "edit.choices": ("ctrl+r 放弃我的修改并重新载入；ctrl+o 在新版本上应用我的修改",
                     "ctrl+r: drop mine and reload; ctrl+o: apply mine on top of theirs"),
    "field.name": ("客户名称", "Name"), "field.short_name": ("简称", "Short name"), "field.website": ("网站", "Website"),
    "field.general_manager": ("经营管理者", "General manager"), "field.notes": ("备注", "Notes"),
    "tui.help": ("帮助", "Help"), "palette.open_customer": ("打开客户", "open the customer"),
    "list.sort": ("排序", "Sort"), "list.reverse": ("倒序", "Reverse"), "list.mine": ("我的", "Mine"),
    "list.overdue": ("逾期", "Overdue"), "list.over_limit": ("超额度", "Over limit"), "list.grade": ("等级", "Grade"),
    "list.sorted": ("排序：", "sorted by"),
    "col.segment": ("分类", "Segment"), "col.last_visit": ("最近拜访", "Last visit"),
    "col.next_follow_up": ("下次跟进", "Next follow-up"),
    "alerts.title": ("信用预警（守护进程按超额度和长期逾期自动记录）", "Credit alerts (raised by the daemon: over the limit, long overdue)"),
    "alerts.key": ("预警", "Alerts"), "alerts.ack": ("已阅", "Acknowledge"), "alerts.raised": ("时间", "Raised"),
    "alerts.kind": ("类型", "Kind"), "alerts.amount": ("金额", "Amount"), "alerts.details": ("说明", "Details"),
    "alerts.acknowledged": ("已阅人", "Seen by"),
    "tui.files_applied": ("守护进程刚导入了新文件，涉及你的 {customers} 个客户；列表已刷新。",
                          "The daemon just applied files touching {customers} of your customers; the list is refreshed."),
    "visit.title": ("拜访记录：记录一次拜访或计划下一次", "Visit: log one that happened or plan one"),
    "visit.key": ("记拜访", "Log visit"), "visit.status": ("状态", "Status"), "visit.kind": ("方式", "Kind"),
    "visit.day": ("日期", "Day"), "visit.time": ("时间", "Time"), "visit.purpose": ("目的", "Purpose"),
    "visit.summary": ("经过摘要", "Summary"), "visit.feedback": ("客户反馈", "Feedback"),
    "visit.commitment": ("获得的承诺", "Commitment"), "visit.next_step": ("下一步", "Next step"),
    "visit.follow_up_on": ("跟进日期", "Follow up on"),
    "visit.bad_when": ("日期请写成 YYYY-MM-DD，时间写成 HH:MM。", "Write the day as YYYY-MM-DD and the time as HH:MM."),
    "visit.bad_follow_up": ("跟进日期请写成 YYYY-MM-DD，或留空。", "Write the follow-up day as YYYY-MM-DD, or leave it empty."),
    "tab.visits": ("拜访", "Visits"), "col.rep": ("经办", "Rep"), "col.summary": ("摘要", "Summary"),
    "col.status": ("状态", "Status"),
    "agenda.key": ("日程", "Agenda"), "agenda.planned": ("近 7 天计划拜访", "Visits planned in the next 7 days"),
    "agenda.follow_ups": ("到期未跟进", "Follow-ups due"), "agenda.gaps": ("超过拜访间隔的客户", "Customers past their visit gap"),
    "agenda.contracts": ("60 天内到期的合同", "Contracts ending within 60 days"),
    "agenda.days_since": ("距上次拜访（天）", "Days since last visit"), "agenda.ends": ("到期日", "Ends"),
    "agenda.contract": ("合同号", "Contract"),
    "tab.archive": ("档案", "Archive"), "tab.contacts": ("联系人", "Contacts"), "tab.ledger": ("往来", "Ledger"),
    "field.address": ("地址", "Address"), "field.phone": ("电话", "Phone"), "field.industry": ("业种", "Industry"),
    "field.legal_rep": ("法人", "Legal rep."), "field.credit_days": ("账期（天）", "Credit days"),
    "field.lifecycle": ("生命周期", "Lifecycle"), "field.channel": ("渠道", "Channel"),
    "field.first_deal_date": ("首次交易", "First deal"),
    "col.title": ("职务", "Title"), "col.role": ("角色", "Role"), "col.stage": ("关系阶段", "Stage"),
    "col.mobile": ("手机", "Mobile"), "col.date": ("日期", "Date"), "col.kind": ("类型", "Kind"),
    "col.amount": ("金额", "Amount"), "col.document": ("单据", "Document"),
    "error.prefix": ("错误：", "Error: "),
    "bug": ("内部错误：{error}。详情已写入 {log}，请报告给管理员。",
            "Internal error: {error}. The details are in {log}; please report it."),
    "locked": ("数据库正忙（另一进程正在写入），请稍后重试。",
               "The database is busy (another process is writing); try again in a moment."),
    "col.login": ("登录名", "Login"), "col.name": ("姓名", "Name"), "col.role": ("角色", "Role"),
    "col.region": ("区域", "Region"), "col.manager": ("上级", "Manager"), "col.active": ("状态", "Status"),
    "col.customers": ("客户数", "Customers"), "col.code": ("客户编码", "Code"), "col.customer_name": ("客户名称", "Customer"), "col.owner": ("客户经理", "Owner"),
    "col.balance": ("应收余额", "Balance"), "col.credit_limit": ("信用额度", "Credit limit"),
    "col.unapplied_credit": ("预收未核销", "Unapplied"), "col.overdue": ("逾期", "Overdue"),
    "col.not_due": ("未到期", "Not due"), "col.sales": ("销售额", "Sales"), "col.dso_days": ("DSO天数", "DSO days"),
    "col.method": ("算法", "Method"), "col.lower_bound": ("下限", "Lower bound"),
    "col.lifecycle": ("阶段", "Lifecycle"), "col.sales_12m": ("近12月销售", "Sales 12m"),
    "col.margin_12m": ("近12月毛利", "Margin 12m"), "col.months_with_orders": ("有单月数", "Months with orders"),
    "col.spread_percent": ("波动%", "Spread %"),
    "col.segment_strategy": ("对策", "Approach"), "col.prospect_score": ("预期贡献", "Expected"),
    "col.intent": ("意向度", "Intent"), "col.potential": ("采购潜力", "Potential"),
    "col.share_percent": ("份额%", "Share %"), "col.strategy": ("攻守", "Strategy"),
    "col.strategy_words": ("攻守策略", "Strategy in words"),
    "col.scope": ("范围", "Scope"), "col.who": ("对象", "For"), "col.period": ("期间", "Period"),
    "col.metric": ("指标", "Metric"), "col.target": ("目标", "Target"), "col.actual": ("实际", "Actual"),
    "col.attainment": ("完成率%", "Attained %"), "col.elapsed": ("时间进度%", "Elapsed %"), "col.note": ("备注", "Note"),
    "targets.uncosted": ("{count} 张订单缺成本，未计入", "{count} orders without cost left out"),
    "targets.set": ("已保存 {count} 个目标。", "Saved {count} targets."),
    "col.forecast": ("本周预测", "Forecast"), "col.forecast_week_ago": ("上周预测", "Forecast a week ago"),
    "col.quarter_sales": ("本季累计销售", "Quarter sales"), "col.quarter_sales_week_ago": ("上周累计销售", "Quarter sales a week ago"),
    "col.progress": ("销售进展", "Progress"), "col.progress_percent": ("进展占目标%", "Progress % of target"),
    "col.stage_key": ("阶段代码", "Stage key"), "col.funnel_stage": ("阶段", "Stage"), "col.count": ("数量", "Count"), "col.weighted": ("加权金额", "Weighted"),
    "col.days_ahead": ("还有（天）", "Days ahead"), "col.occasion": ("事由", "Occasion"), "col.action": ("关怀方式", "Action"),
    "col.max_gap_days": ("最长间隔（天）", "Max gap (days)"), "col.days_since": ("距上次拜访（天）", "Days since visit"),
    "care.birthday": ("生日", "Birthday"), "care.holiday": ("节日", "Holiday"),
    "segments.refreshed": ("已重新分类 {count} 个客户，并保存快照。", "Classified {count} customers and kept a snapshot."),
    "active": ("在职", "active"), "inactive": ("停用", "inactive"),
    "level.view": ("查看", "view"), "level.edit": ("编辑", "edit"),
}

_configured = "zh"


def set_language(language: str) -> None:
    """The site's language from config; `KACRM_LANG` (e.g. per SSH key) wins over it."""
    global _configured
    _configured = language


def language() -> str:
    chosen = os.environ.get("KACRM_LANG") or _configured
    return "en" if chosen.lower().startswith("en") else "zh"


def t(key: str, **values: object) -> str:
    """The message `key` in the current language, with `values` filled in."""
    zh, en = MESSAGES[key]
    return (en if language() == "en" else zh).format(**values)
