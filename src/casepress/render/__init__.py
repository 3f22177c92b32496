"""Jinja environment + context → HTML strings (no file is written here); the site's pages;
what a document may load.
"""
