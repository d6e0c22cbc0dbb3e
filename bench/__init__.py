"""``make bench``: the benchmark of the portal at the size of a large partner program."""
