"""The estate's own state: its maintenance fund (balance, reservations, transfers)."""
