"""Local stand-ins of outside services (Zalo, Telegram, payment providers, a one-stop system), served
over real HTTP by ``tests.support.servers.serve_in_thread``."""
