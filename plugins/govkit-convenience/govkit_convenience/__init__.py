"""govkit-convenience: 便民服务 registrations at the village desk (own models, screens, menu)."""

__version__ = "0.1.0"
