"""Prefect flows, deployments, the sample sites and the ``pitboard`` command line."""
