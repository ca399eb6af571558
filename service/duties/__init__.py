"""The periodic duties: quarterly reports, year-end reviews, incidents, the ledger,
firms' credit.
"""
