"""Figures: one module per report chapter's figures, and their shared style."""
