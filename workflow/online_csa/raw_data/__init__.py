"""Raw data: the vendored source ledger, its readers and its checksums."""
