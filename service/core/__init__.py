"""The ground every subdomain stands on: database, tables, clock, errors, paging, logs, settings."""
