"""Models shared by both roles. Nothing here imports views, templates or the sync client."""
from .base import BaseModel, KioskState
from .catalog import (Event, Organization, Service, ServiceAudience, ServiceLanguage,
                      ServiceSite, Site, Translation)

__all__ = ["BaseModel", "KioskState", "Event", "Organization", "Service", "ServiceAudience",
           "ServiceLanguage", "ServiceSite", "Site", "Translation"]
