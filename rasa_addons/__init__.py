"""Components loaded by the Rasa engine (Python 3.10 venv), importable because Rasa runs from the
project root. Keep them free of gateway imports: they live in the other environment.

Rasa imports this package when it loads the pipeline (config.yml names ``rasa_addons.gibberish``),
which is where the engine's own speed-ups are put in place.
"""

from rasa_addons import action_validation, heap

action_validation.install()
heap.freeze_before_first_message()
