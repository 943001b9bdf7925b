"""Reports: the figures the pages and the PDF share, the report's data and narrative, and its PDF layout."""
