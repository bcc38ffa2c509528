"""How long free text may be, in one place: the models declare these limits, and the forms (pages and API
alike) refuse longer input before anything reaches the database."""

DESCRIPTION = 2000  # what happened, the question
TEXT = 5000  # minutes, decisions, agreements, solutions, advice
REASON = 1000  # reasons, notes, comments
REFERRED_TO = 100  # where a case is referred to (a department or unit)
