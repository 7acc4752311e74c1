"""What the centre learns from conversations: events for the dashboard, questions the bot could not
answer (the unanswered inbox), satisfaction ratings (bot/handoff/models.py ``Rating``)."""
