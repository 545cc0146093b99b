"""Sensitivity: Monte Carlo over the under-recording assumptions, tipping points, scenarios compared."""
