"""Dossiers (hồ sơ): filing, status, tracking — behind the ``DossierBackend`` interface."""
