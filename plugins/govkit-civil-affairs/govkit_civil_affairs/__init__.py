"""govkit-civil-affairs: the 民政 item pack (items, application forms, 入户调查表)."""

__version__ = "0.1.0"
