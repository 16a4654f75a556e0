"""Built-in default plugins: govkit's own behaviour, registered through the same hooks a county uses."""
