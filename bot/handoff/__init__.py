"""Handing a conversation to a person (volunteer team or hotline) and back to the bot."""
