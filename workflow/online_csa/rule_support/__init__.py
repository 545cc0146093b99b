"""What rules and their scripts share: a rule's code inputs, its log, its job outside Snakemake."""
