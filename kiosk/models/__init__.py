"""Models shared by both roles. Nothing here imports views, templates or the sync client."""
from .attendance import Attendance, HostPinAttempt, HubAttendance
from .base import BaseModel, KioskState
from .catalog import (Event, Organization, Service, ServiceAudience, ServiceLanguage,
                      ServiceSite, Site, Translation)
from .hub import (Device, EnrollmentCode, Feed, HubSignup, RejectedRecord, SeenNonce,
                  StaffSession, StaffUser)
from .signups import Outbox, Signup, SignupStatus

__all__ = ["BaseModel", "KioskState", "Event", "Organization", "Service", "ServiceAudience",
           "ServiceLanguage", "ServiceSite", "Site", "Translation", "Device", "EnrollmentCode",
           "Feed", "HubSignup", "RejectedRecord", "SeenNonce", "StaffSession", "StaffUser",
           "Outbox", "Signup", "SignupStatus", "Attendance", "HostPinAttempt", "HubAttendance"]
