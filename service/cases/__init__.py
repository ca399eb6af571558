"""A case from filing to closure: filing, steps, timers, reads, the reply, drafts,
files, vote rules, models.
"""
