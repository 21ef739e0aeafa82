"""Students' side of the calendar: nominations, endorsements, campaign pages and complaints.

The blueprint lives in ``views``; the package imports nothing itself, so the student
home can read ``pages`` without loading every view the campaign pages depend on.
"""
