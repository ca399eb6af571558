"""The web service: database, case service layer, HTTP API, pages, worker and CLI."""
