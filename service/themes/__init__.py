"""The theme model in the service: which one is in use, corrections, community examples."""
