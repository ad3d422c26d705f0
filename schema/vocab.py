"""Every closed set of values in the data model, with its Chinese and English labels.
The code stores the English key; screens and exports show `label(kind, key, language)`."""
from __future__ import annotations

Choices = dict[str, tuple[str, str]]  # key -> (中文, English)

ROLES: Choices = {"rep": ("客户经理", "Rep"), "manager": ("销售经理", "Manager"), "admin": ("管理员", "Admin")}

ORG_FORMS: Choices = {
    "state": ("国有", "State-owned"), "collective": ("集体", "Collective"), "private": ("私营", "Private"),
    "joint_stock": ("股份制", "Joint-stock"), "joint_venture": ("合资", "Joint venture"),
    "foreign": ("外资", "Foreign-owned"), "individual": ("个人", "Individual"),
}
LIFECYCLES: Choices = {
    "future": ("未来", "Future"), "prospect": ("潜在", "Prospect"), "new": ("新客户", "New"),
    "active": ("现有", "Active"), "dormant": ("休眠", "Dormant"), "lost": ("流失", "Lost"),
}
NATURES: Choices = {
    "government": ("政府机构", "Government"), "special": ("特殊公司", "Special company"),
    "company": ("普通公司", "Company"), "individual": ("个人", "Individual"), "partner": ("交易伙伴", "Partner"),
}
CHANNELS: Choices = {
    "wholesaler": ("批发商", "Wholesaler"), "retailer": ("零售商", "Retailer"), "agent": ("代理商", "Agent"),
    "distributor": ("经销商", "Distributor"), "chain": ("连锁", "Chain"), "ka_store": ("KA卖场", "KA store"),
    "bc_store": ("BC类门店", "BC store"), "direct_user": ("直接用户", "Direct user"),
}
GRADES: Choices = {"A": ("A类", "A"), "B": ("B类", "B"), "C": ("C类", "C")}
SETTLEMENT_METHODS: Choices = {
    "cash": ("现结", "Cash on delivery"), "monthly": ("月结", "Monthly"), "bill": ("票据", "Bills"),
    "prepaid": ("预付", "Prepaid"), "consignment": ("代销", "Consignment"),
}
BUYING_ROLES: Choices = {
    "decision_maker": ("决策者", "Decision maker"), "purchaser": ("采购", "Purchaser"), "user": ("使用者", "User"),
    "technical": ("技术把关", "Technical gatekeeper"), "financial": ("财务把关", "Financial gatekeeper"),
    "coach": ("向导/内线", "Coach"),
}
RELATIONSHIP_STAGES: Choices = {
    "acquainted": ("认识", "Acquainted"), "meeting": ("约会", "Meeting"), "trust": ("信赖", "Trust"),
    "alliance": ("同盟", "Alliance"),
}
CALENDARS: Choices = {"solar": ("公历", "Solar"), "lunar": ("农历", "Lunar")}
VISIT_KINDS: Choices = {
    "visit": ("拜访", "Visit"), "call": ("电话", "Call"), "wechat": ("微信", "WeChat"), "meeting": ("会议", "Meeting"),
    "event": ("活动", "Event"), "training": ("培训", "Training"),
}
VISIT_STATUSES: Choices = {"planned": ("计划", "Planned"), "done": ("已完成", "Done"), "cancelled": ("已取消", "Cancelled")}
CONTRACT_STATUSES: Choices = {
    "draft": ("草稿", "Draft"), "pending": ("待审批", "Pending approval"), "active": ("生效", "Active"),
    "expired": ("已到期", "Expired"), "terminated": ("已终止", "Terminated"),
}
SETTLEMENT_CYCLES: Choices = {
    "per_order": ("逐单结算", "Per order"), "monthly": ("月结", "Monthly"), "quarterly": ("季结", "Quarterly"),
}
PAYMENT_METHODS: Choices = {
    "cash": ("现金", "Cash"), "transfer": ("转账", "Transfer"), "cheque": ("支票", "Cheque"),
    "bill": ("承兑汇票", "Bank acceptance bill"),
}
OPPORTUNITY_STAGES: Choices = {
    "build_trust": ("酝酿", "Build trust"), "uncover_needs": ("设计", "Uncover needs"),
    "present_value": ("比较", "Present value"), "negotiate": ("谈判", "Negotiate"),
    "won": ("成交", "Won"), "lost": ("丢单", "Lost"),
}
LEDGER_KINDS: Choices = {
    "order": ("订单", "Order"), "return": ("退货", "Return"), "payment": ("回款", "Payment"),
    "adjustment": ("调整", "Adjustment"),
}
TARGET_SCOPES: Choices = {
    "rep": ("客户经理", "Rep"), "customer": ("客户", "Customer"), "region": ("区域", "Region"),
    "product": ("产品", "Product"), "team": ("全公司", "Whole team"),
}
TARGET_PERIODS: Choices = {"month": ("月", "Month"), "quarter": ("季度", "Quarter"), "year": ("年", "Year")}
TARGET_METRICS: Choices = {
    "sales": ("销售额", "Sales"), "gross_margin": ("毛利", "Gross margin"),
    "new_product_sales": ("新品销售", "New-product sales"), "new_outlets": ("新开网点", "New outlets"),
    "collections": ("回款", "Collections"),
}
COMPLAINT_KINDS: Choices = {"complaint": ("投诉", "Complaint"), "feedback": ("反馈", "Feedback"), "suggestion": ("建议", "Suggestion")}
COMPLAINT_STATUSES: Choices = {
    "open": ("待处理", "Open"), "in_progress": ("处理中", "In progress"), "resolved": ("已解决", "Resolved"),
    "closed": ("已关闭", "Closed"),
}
SEVERITIES: Choices = {"low": ("低", "Low"), "medium": ("中", "Medium"), "high": ("高", "High")}
FILE_KINDS: Choices = {"orders": ("订单", "Orders"), "payments": ("回款", "Payments"), "customers": ("客户资料", "Customers")}
FILE_STATUSES: Choices = {
    "applied": ("已导入", "Applied"), "duplicate": ("重复", "Duplicate"), "rejected": ("已拒绝", "Rejected"),
}
ALERT_KINDS: Choices = {"credit_limit": ("超信用额度", "Over credit limit"), "overdue": ("逾期", "Overdue"),
                        "dso_rising": ("回款变慢", "DSO rising"), "sales_falling": ("货款比失衡", "Sales falling, balance growing")}
GRANT_LEVELS: Choices = {"view": ("查看", "View"), "edit": ("编辑", "Edit")}
APPROVAL_KINDS: Choices = {
    "archive_edit": ("档案修改", "Archive edit"), "delete": ("删除", "Deletion"),
    "complaint_discount": ("投诉折价", "Complaint discount"), "access": ("查看权限", "Access"),
    "adjustment": ("账务调整", "Ledger adjustment"),
}
APPROVAL_STATUSES: Choices = {
    "pending": ("待审批", "Pending"), "approved": ("已批准", "Approved"), "rejected": ("已驳回", "Rejected"),
    "withdrawn": ("已撤回", "Withdrawn"),
}
EVALUATION_BANDS: Choices = {
    "outstanding": ("特别优秀", "Outstanding"), "excellent": ("优秀", "Excellent"), "good": ("良好", "Good"),
    "pass": ("及格", "Pass"), "fail": ("不及格", "Fail"),
}
SEGMENTS: Choices = {
    "EI": ("巩固", "Consolidate"), "EII": ("扭转", "Turn around"), "EIII": ("提升", "Lift"),
    "EIV": ("清算", "Review or let go"),
    "PI": ("首要突破", "Close first"), "PII": ("重点培养", "Cultivate"), "PIII": ("意向跟进", "Follow intent"),
    "PIV": ("观望", "Watch"),
}
STRATEGIES: Choices = {
    "attack": ("进攻", "Attack"), "defend": ("防御", "Defend"), "maintain": ("维持", "Maintain"),
    "give_up": ("放弃", "Give up"),
}


def label(choices: Choices, key: str | None, language: str = "zh") -> str:
    """The label of `key` in `language` ('zh' or 'en'); an unknown key is shown as it is."""
    if key is None:
        return ""
    pair = choices.get(key)
    return key if pair is None else pair[0 if language == "zh" else 1]


def choices(values: Choices) -> list[tuple[str, str]]:
    """The (key, English label) pairs peewee's `choices=` documents a column with."""
    return [(key, en) for key, (_, en) in values.items()]
