"""Reading finished outputs and themes back: the quality report, PDF/UA, theme checks."""
