"""Existing case studies (.txt, .md, .docx) → case files."""
