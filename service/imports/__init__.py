"""Bulk imports: members now; catalogue modules and form exports as they land."""
