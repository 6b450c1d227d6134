"""Matching in the service: the in-memory index, match queries, requests and cohorts."""
