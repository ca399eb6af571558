"""The hash-chained history of a case, its replay and the auditor's verification."""
