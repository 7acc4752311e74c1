"""The production files (deploy/) keep the protections the code relies on."""

from __future__ import annotations

import yaml

from tests.support.paths import ROOT

DEPLOY = ROOT / "deploy"


def test_the_gateway_believes_x_forwarded_for_from_nginx_only() -> None:
    """With '*' any client reaching the gateway chose its own address for limits and lock-outs."""
    dockerfile = (DEPLOY / "gateway.Dockerfile").read_text()
    assert '"--forwarded-allow-ips", "*"' not in dockerfile and "--forwarded-allow-ips=*" not in dockerfile
    compose = yaml.safe_load((DEPLOY / "compose.yml").read_text())
    trusted = set(compose["services"]["gateway"]["environment"]["FORWARDED_ALLOW_IPS"].split(","))
    nginx = compose["services"]["nginx"]["networks"]
    assert trusted == {network["ipv4_address"] for network in nginx.values()}
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in (DEPLOY / "nginx.conf").read_text()


def test_rasa_and_the_gateway_share_the_internal_token_in_production() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yml").read_text())
    for service in ("gateway", "rasa"):
        assert "ASSISTANT_INTERNAL_TOKEN" in compose["services"][service]["environment"], service
    assert "--auth-token" in (DEPLOY / "rasa.Dockerfile").read_text()
    assert "token: ${ASSISTANT_INTERNAL_TOKEN}" in (DEPLOY / "endpoints.yml").read_text()


def test_the_public_server_never_serves_actions_or_metrics() -> None:
    public = (DEPLOY / "nginx.conf").read_text().split("# ---- internal:", 1)[0]
    for location in ("location ^~ /actions {", "location = /metrics {"):
        assert location + "\n            return 404;" in public, location
