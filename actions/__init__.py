"""Rasa custom actions, run inside the gateway by rasa-sdk's ActionExecutor.

Actions receive the services they need in their constructor; ``actions.registry.build_actions``
wires them. The shared state of a guided submission lives in ``actions.submission_steps``."""
