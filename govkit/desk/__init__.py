"""Desk: intake desk, work queues, case page, uploads, paper transfers and home visits (受理台/待办)."""
