"""The laptop's HTTP client against real servers that misbehave: down, slow, failing, answering garbage."""

from __future__ import annotations

import asyncio
import socket

import httpx
import pytest
from starlette.applications import Starlette
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Route

from sync.client import (
    ServerAnswerInvalid,
    ServerFailed,
    ServerRefused,
    ServerTimeout,
    ServerUnreachable,
    SyncClient,
)
from sync.keys import DeviceKeys
from tests.sync.conftest import serving

INFO = {"api": 1, "bundle_format": 1, "province": "75", "keys": DeviceKeys.generate().public().to_json()}


def _app(handler) -> Starlette:
    return Starlette(routes=[Route("/v1/server", handler)])


def test_retries_a_failing_server_with_backoff_until_it_answers():
    calls = []

    async def flaky(_request):
        calls.append(1)
        if len(calls) < 3:
            return PlainTextResponse("sibuk", status_code=503)
        return JSONResponse(INFO)

    with serving(_app(flaky)) as url, SyncClient(url, backoff=0.01) as client:
        assert client.server_info().province == "75"
    assert len(calls) == 3


def test_a_server_failing_every_time_is_reported_after_the_attempts():
    calls = []

    async def broken(_request):
        calls.append(1)
        return PlainTextResponse("galat", status_code=500)

    with serving(_app(broken)) as url, SyncClient(url, attempts=3, backoff=0.01) as client:
        with pytest.raises(ServerFailed) as failed:
            client.server_info()
    assert len(calls) == 3
    assert "HTTP 500" in str(failed.value)


def test_a_refusal_is_not_retried_and_keeps_the_servers_message():
    calls = []

    async def refusing(_request):
        calls.append(1)
        return JSONResponse(
            {"code": "device_revoked", "message": "Perangkat telah dicabut."}, status_code=403
        )

    with serving(_app(refusing)) as url, SyncClient(url, backoff=0.01) as client:
        with pytest.raises(ServerRefused) as refused:
            client.server_info()
    assert (len(calls), refused.value.code) == (1, "device_revoked")
    assert "Perangkat telah dicabut." in str(refused.value)


@pytest.mark.parametrize(
    "answer",
    [
        PlainTextResponse("<html>Login hotspot</html>", media_type="text/html"),
        JSONResponse(["bukan", "objek"]),
        JSONResponse({"province": "75"}),
        JSONResponse({"pesan": "salah"}, status_code=400),
    ],
)
def test_garbage_from_the_server_is_reported_in_indonesian(answer):
    async def garbage(_request):
        return answer

    with serving(_app(garbage)) as url, SyncClient(url, backoff=0.01) as client:
        with pytest.raises(ServerAnswerInvalid) as invalid:
            client.server_info()
    assert "tidak dapat dibaca" in str(invalid.value)


def test_a_server_that_does_not_answer_in_time_is_reported():
    async def slow(_request):
        await asyncio.sleep(2)
        return JSONResponse(INFO)

    with serving(_app(slow)) as url:
        with SyncClient(url, timeout=httpx.Timeout(0.2), attempts=2, backoff=0.01) as client:
            with pytest.raises(ServerTimeout) as timed_out:
                client.server_info()
    assert "tidak menjawab" in str(timed_out.value)


def test_a_server_nobody_listens_on_is_reported_after_the_attempts():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with SyncClient(f"http://127.0.0.1:{port}", attempts=2, backoff=0.01) as client:
        with pytest.raises(ServerUnreachable) as unreachable:
            client.server_info()
    assert f"127.0.0.1:{port}" in str(unreachable.value)
    assert "tidak dapat dihubungi" in str(unreachable.value)
