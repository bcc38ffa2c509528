"""Every write to cases goes through these services: atomic, permission-checked, audited."""
