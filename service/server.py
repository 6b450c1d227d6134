"""Run the app under uvicorn, one process or several workers sharing one listening socket.

With several workers uvicorn binds the socket itself and leaves its protocol number at 0, so
asyncio never turns on TCP_NODELAY for accepted connections and every keep-alive response waits
about 40 ms for the client's delayed ACK (uvicorn issue #3149, open at the time of writing).
`run` binds the socket the same way, gives it back its TCP protocol number, and hands it to
uvicorn's own multiprocess supervisor. One worker is left to `uvicorn.run` unchanged.

Client addresses (sign-in throttling) come from the connection, never from `X-Forwarded-For`,
unless the proxies are listed in `PASSERELLE_FORWARDED_ALLOW_IPS` (uvicorn would otherwise trust
the header from 127.0.0.1, or from what its own `FORWARDED_ALLOW_IPS` variable says).
"""

from __future__ import annotations

import contextlib
import socket

import uvicorn
from uvicorn.supervisors import Multiprocess

APP = "service.app:create_app"


def tcp_listener(config: uvicorn.Config) -> socket.socket:
    """uvicorn's listening socket, marked as TCP so that connections get TCP_NODELAY."""
    bound = config.bind_socket()
    if bound.family not in (socket.AF_INET, socket.AF_INET6) or bound.proto:
        return bound
    return socket.socket(bound.family, bound.type, socket.IPPROTO_TCP, fileno=bound.detach())


def proxy_options(forwarded_allow_ips: str) -> dict[str, object]:
    """uvicorn's proxy settings: `X-Forwarded-*` trusted only from the listed proxies."""
    if not forwarded_allow_ips:
        return {"proxy_headers": False, "forwarded_allow_ips": ""}
    return {"proxy_headers": True, "forwarded_allow_ips": forwarded_allow_ips}


def run(
    host: str,
    port: int,
    workers: int,
    log_level: str,
    access_log: bool,
    forwarded_allow_ips: str = "",
) -> None:
    """Serve the app factory until interrupted."""
    options = {
        "factory": True,
        "host": host,
        "port": port,
        "log_level": log_level,
        **proxy_options(forwarded_allow_ips),
    }
    if workers <= 1:
        uvicorn.run(APP, access_log=access_log, **options)  # type: ignore[arg-type]
        return
    config = uvicorn.Config(APP, workers=workers, access_log=access_log, **options)  # type: ignore[arg-type]
    with contextlib.suppress(KeyboardInterrupt):
        Multiprocess(config, sockets=[tcp_listener(config)]).run()
