"""Channel adapters: each platform's webhook becomes an InboundMessage, and an OutboundMessage
becomes that platform's API call. Raw platform JSON never travels past this package."""
