"""Every table of kacrm (DESIGN §3). `ALL_MODELS` is in dependency order."""
from schema.models.base import BaseModel, MoneyField, TrackedModel, UTCDateTimeField
from schema.models.people import Rep
from schema.models.system import DaemonHeartbeat, IngestedFile
from schema.models.archive import Contact, Customer, Evaluation
from schema.models.control import AccessGrant, ApprovalRequest, AuditEntry
from schema.models.activity import Complaint, Contract, Opportunity, Visit, VisitContact
from schema.models.trade import Adjustment, Alert, Order, OrderLine, Payment, PaymentAllocation, Posting
from schema.models.planning import SegmentSnapshot, Target

ALL_MODELS = [
    Rep, IngestedFile, Customer, AccessGrant, ApprovalRequest, AuditEntry, DaemonHeartbeat,
    Contact, Evaluation, Visit, VisitContact, Contract, Opportunity, Complaint,
    Order, OrderLine, Payment, PaymentAllocation, Adjustment, Alert, Target, SegmentSnapshot,
]

__all__ = [m.__name__ for m in ALL_MODELS] + [
    "ALL_MODELS", "Posting", "BaseModel", "MoneyField", "TrackedModel", "UTCDateTimeField",
]
