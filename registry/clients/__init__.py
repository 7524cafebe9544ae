"""The registry's API clients: API keys and usage, watchlists, webhook signing and matching."""
