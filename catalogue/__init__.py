"""Training catalogue and incubator. May import `matching`; never `service`."""

__all__: list[str] = []
