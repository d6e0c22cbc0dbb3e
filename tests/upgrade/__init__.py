"""The upgrade test: a database of an earlier main migrates with its rows and figures intact."""
