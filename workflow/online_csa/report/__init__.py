"""Report: the chapters' narrative helpers, the HTML and PDF renderings and the run record."""
