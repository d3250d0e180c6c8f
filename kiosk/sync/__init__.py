"""What kiosk and hub agree on: the vocabularies and patterns of a record (contract), the
protocol that signs and checks it (protocol) and the OpenAPI document both are held to
(openapi.json). The kiosk's outbox and client loop are kiosk.site.sync; the hub's side is
kiosk.hub.intake."""
