"""Claims: every published figure reproduced from force-level data where possible, with a verdict."""
