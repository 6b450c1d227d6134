"""Open governance: the community's figures in public, aggregated and masked."""
