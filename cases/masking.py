"""Masking of parties' personal data for people who do not work the case."""


def mask_phone(value: str) -> str:
    """138****1234"""
    if not value:
        return ""
    return value[:3] + "****" + value[-4:] if len(value) >= 7 else "****"


def mask_id_number(value: str) -> str:
    """3212**********1234"""
    if not value:
        return ""
    return value[:4] + "*" * (len(value) - 8) + value[-4:] if len(value) > 8 else "****"
