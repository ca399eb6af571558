"""Demo data: the district, its people and bodies, and cases in every state."""
