"""Cleaning: every ledger row routed to the panel, the claims or the rejected table."""
