"""Button payloads: what a tapped button sends back, read by Rasa as an intent with its entities
(``/track_dossier{"dossier_code": "HS-7K3M-Q9TX"}``). Built here only, so a value with quotes or
Vietnamese letters is always valid JSON and every channel sends the same bytes."""

from __future__ import annotations

import json


def payload(intent: str, **entities: str | int) -> str:
    """``payload("pay_fee", dossier_code="HS-…")`` → ``/pay_fee{"dossier_code": "HS-…"}``."""
    return f"/{intent}{json.dumps(entities, ensure_ascii=False)}" if entities else f"/{intent}"
