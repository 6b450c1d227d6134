"""The demo community: about forty French members, one login per role."""
