"""Helpers for the real-browser tests: a JupyterLab server on loopback and a Playwright page that drives it."""
