"""Sync between kiosk and hub: the shared protocol, the kiosk's outbox, and its client loop."""
