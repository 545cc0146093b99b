"""Models: the count model, the imputation of missing force-years, the flagged share, structural breaks."""
