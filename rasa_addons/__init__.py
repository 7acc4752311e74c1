"""Components loaded by the Rasa engine (Python 3.10 venv), importable because Rasa runs from the
project root. Keep them free of gateway imports: they live in the other environment."""
