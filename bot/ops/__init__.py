"""Operations: metrics, structured logs, request ids, rate and body-size limits (see ``install``)."""
