"""The multi-worker listening socket is marked TCP, so accepted connections get TCP_NODELAY."""

from __future__ import annotations

import asyncio
import socket

import uvicorn

from service.server import tcp_listener


async def test_connections_accepted_on_the_shared_listener_have_nodelay() -> None:
    config = uvicorn.Config("service.app:create_app", host="127.0.0.1", port=0, workers=2)
    listener = tcp_listener(config)
    assert listener.proto == socket.IPPROTO_TCP
    accepted: list[int] = []

    def on_connection(transport: asyncio.BaseTransport) -> None:
        sock = transport.get_extra_info("socket")
        accepted.append(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
        transport.close()

    class Probe(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            on_connection(transport)

    server = await asyncio.get_running_loop().create_server(Probe, sock=listener)
    port = listener.getsockname()[1]
    try:
        _, writer = await asyncio.open_connection("127.0.0.1", port)
        for _ in range(50):
            if accepted:
                break
            await asyncio.sleep(0.01)
        writer.close()
    finally:
        server.close()
        await server.wait_closed()
    assert accepted and accepted[0] != 0
