"""Unit tests of the Rasa custom actions: real rasa_sdk trackers, no trained model, no Rasa server."""
