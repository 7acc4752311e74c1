"""The gateway: channels, conversation routing, Rasa actions, web pages and services."""
