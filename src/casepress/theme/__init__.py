"""Themes: theme.yaml, the ``extends:`` chain, template and stylesheet lookup, colours."""
