"""HTTP routes of the gateway, grouped by area."""
