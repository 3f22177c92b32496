"""``casepress serve``: the preview server and the incremental rebuilds behind it."""
