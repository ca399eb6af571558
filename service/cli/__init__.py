"""The command line ``prior-approval``."""
