"""The task list: the inbox (inbox), claiming and assigning (claiming), dates and priority
(arrangement), completing (completion), comments (comments), saved filters (saved_filters)."""
