"""Models shared by both roles. Nothing here imports views, templates or the sync client."""
from .attendance import Attendance, HostPinAttempt, HubAttendance
from .base import BaseModel, KioskState
from .demand import DemandCount, HubDemandCount, HubDemandDay
from .desk import AuditLog, LoginFailure, RequestHistory, SecurityEvent
from .catalog import (CatalogDraft, CatalogVersion, Event, Organization, ReadingCorrection, Schedule, Service, ServiceAudience, ServiceNeed,
                      ServiceLanguage, ServiceSite, Site, Translation)
from .hub import (Device, EnrollmentCode, Feed, HubCancel, HubSignup, RejectedRecord, SeenNonce,
                  StaffSession, StaffUser)
from .signups import Cancellation, Outbox, Signup, SignupStatus

__all__ = ["BaseModel", "KioskState", "Event", "Organization", "Service", "ServiceAudience", "ServiceNeed",
           "ServiceLanguage", "ServiceSite", "Site", "Translation", "Device", "EnrollmentCode",
           "Feed", "HubSignup", "RejectedRecord", "SeenNonce", "StaffSession", "StaffUser",
           "Outbox", "Signup", "SignupStatus", "Cancellation", "HubCancel", "AuditLog", "LoginFailure", "RequestHistory", "SecurityEvent", "Attendance", "HostPinAttempt", "HubAttendance",
           "Schedule", "CatalogDraft", "CatalogVersion", "ReadingCorrection", "DemandCount", "HubDemandDay",
           "HubDemandCount"]
