"""The community's library: tool sheets, their history and suggestions, search, imports."""
