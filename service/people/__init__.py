"""Who someone is and what they may do: sign-in, roles and scope, names for listings."""
