"""Shared by every stage: fiscal years, forces, geographies, measures and the table files."""
