"""网上办事大厅: applicant accounts (自然人 and 法人), their sign-in, the message channel and 我的办件.

See docs/online.md. ``models`` holds the tables, ``services`` the Flask-free account and code rules,
``messages`` the message channel (hook ``register_message_channels``), ``session`` how a request knows the
logged-in applicant, and ``views`` the mobile pages under ``/online``.
"""
