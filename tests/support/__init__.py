"""Helpers shared by tests (no tests and no fixtures here: those are in ``tests/conftest.py``).

- ``chat``: a citizen's conversation with a running stack through the REST chat, and its replies read
- ``databases``: migrated SQLite files, PostgreSQL databases for the ``db_url`` fixture
- ``dossiers``: a draft with answers its form accepts, the applicant's numbers, a stack's registry
- ``handoff``: the gateway in process for the handoff tests, staff as the handoff service sees them
- ``images``: photos as bytes (a PNG and a JPEG the gateway accepts, a real 2×2 PNG)
- ``limits``: a hand-moved clock and an app with the chat endpoints' shapes behind the rate limits
- ``national``: a catalog made of national-portal records
- ``network``: free local ports
- ``paths``: the repository's root
- ``payments``: expected signatures (by openssl), providers' callbacks, paying on the sandbox page
- ``processes``: commands started now and read later
- ``servers``: apps served over real HTTP in a thread (stand-ins, a gateway)
- ``stack``: real Rasa + gateway pairs reached over HTTP, and the Rasa command line
- ``staff``: staff accounts, logging in, a filed dossier, gateway files prepared once and copied
- ``telegram``: the Telegram stand-in's token and webhook secret, a sent message's inline keyboard
- ``tracker``: real ``rasa_sdk`` trackers for the action tests
- ``waiting``: coroutines run from synchronous code, conditions polled until true
- ``zalo``: the gateway with its Zalo channel on the stand-in, signed webhook events, what was sent
"""
