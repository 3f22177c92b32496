"""HTML → WeasyPrint → PDF bytes: the adapter, tagging, split handbook units, the merge."""
