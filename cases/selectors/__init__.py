"""Every read of cases with its access rule: the cases themselves (``cases``) and the supervisors' board
(``board``)."""

from cases.selectors.cases import (
    CASE_PAGE_SIZE,
    CasePage,
    case_cursor,
    case_get_for_user,
    case_list_for_user,
    case_list_related,
    case_page_for_user,
    case_shows_personal_data,
    case_timeline,
    case_visible_q,
    union_all,
)

__all__ = [
    "CASE_PAGE_SIZE",
    "CasePage",
    "case_cursor",
    "case_get_for_user",
    "case_list_for_user",
    "case_list_related",
    "case_page_for_user",
    "case_shows_personal_data",
    "case_timeline",
    "case_visible_q",
    "union_all",
]
