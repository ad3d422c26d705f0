"""Widgets of kacrm's own: self-contained, they never touch the database."""
