"""Publicity (公开): public portal, 好差评, complaints, government information disclosure."""
