"""Tenancy: organizations, memberships, the folder tree and per-folder grants."""
