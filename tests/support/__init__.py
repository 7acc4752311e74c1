"""Helpers shared by tests (no tests and no fixtures here: those are in ``tests/conftest.py``).

- ``databases``: migrated SQLite files, PostgreSQL databases for the ``db_url`` fixture
- ``national``: a catalog made of national-portal records
- ``network``: free local ports
- ``paths``: the repository's root
- ``payments``: expected signatures (by openssl) and providers' callbacks
- ``processes``: commands started now and read later
- ``servers``: apps served over real HTTP in a thread (stand-ins, a gateway)
- ``stack``: real Rasa + gateway pairs reached over HTTP, and the Rasa command line
- ``staff``: staff accounts, a filed dossier, gateway files prepared once and copied
- ``tracker``: real ``rasa_sdk`` trackers for the action tests
- ``waiting``: coroutines run from synchronous code, conditions polled until true
"""
