"""Telling people: in-app notifications and e-mail."""
