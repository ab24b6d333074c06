"""Data that lasts: backups and restores, export and import of the whole blog."""
