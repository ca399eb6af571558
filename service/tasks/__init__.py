"""The task list: the inbox, claiming and assigning, dates and priority, comments, saved filters."""
