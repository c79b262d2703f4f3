"""The roles a token or a dashboard session holds, lowest first: each may do what the ones before it may.

`metrics` only scrapes `/metrics`, `viewer` reads, `operator` also triggers and cancels runs, `admin` also
manages tokens and reloads the config. A module of its own so that the CLI can name them in its help without
loading the store.
"""

ROLES = ("metrics", "viewer", "operator", "admin")
