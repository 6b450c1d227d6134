"""Members: profiles, needs and offers; bulk import lives in `service.imports`."""
