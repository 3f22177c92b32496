"""Word documents: cases → .docx through pandoc (``writer``), and back (``reader``)."""
