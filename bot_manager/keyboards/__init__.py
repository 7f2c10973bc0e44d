"""Inline keyboards of the control bot, one builder module per feature."""
