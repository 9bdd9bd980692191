"""Storage: PostgreSQL connections, settings, the schema and every query Pitboard runs.

One module per table or concern (``raw_pages``, ``articles``, ``runs``, ``search``, ``locks``);
functions take a connection and leave the transaction to the caller (a flow or a command).
"""
