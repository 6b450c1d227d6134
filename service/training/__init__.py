"""Training: the catalogue in storage, recommendations, demand clusters and the incubator."""
