"""New projects, cases and themes: the files ``init``, ``new`` and ``theme new`` make."""
