"""`papers serve`: uvicorn, with a deadline for a request's headers.

uvicorn closes a connection that sits idle after a response (keep-alive) but not one that opens and
never finishes sending its headers, a byte at a time (slowloris): enough of those hold every
connection the server has. Here a connection must deliver each request's headers within
`api.header_timeout_seconds` of its first byte (of opening, for the first request), or it is
closed. Slow bodies are the ASGI guard's job (`api.security`).
"""

from __future__ import annotations

from uvicorn.protocols.http.h11_impl import H11Protocol


class HeaderDeadlineProtocol(H11Protocol):
    """uvicorn's h11 protocol, closing a connection whose request headers are too slow."""

    header_timeout: float = 20.0

    def connection_made(self, transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._deadline = None
        self._seen = None  # the request whose headers arrived last
        self._arm()

    def _arm(self) -> None:
        if self._deadline is None:
            self._deadline = self.loop.call_later(self.header_timeout, self._too_slow)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def data_received(self, data: bytes) -> None:
        if self.cycle is None or self.cycle.response_complete:  # headers of a new request expected
            self._arm()
        super().data_received(data)
        if self.cycle is not None and self.cycle is not self._seen:  # its headers are in
            self._seen = self.cycle
            self._disarm()

    def _too_slow(self) -> None:
        self._deadline = None
        in_progress = self.cycle is not None and self.cycle is self._seen and not self.cycle.response_complete
        if not in_progress and not self.transport.is_closing():
            self.transport.close()

    def connection_lost(self, exc) -> None:
        self._disarm()
        super().connection_lost(exc)


def serve(app, host: str, port: int, keep_alive: int, header_timeout: float) -> None:
    import uvicorn

    protocol = type("Protocol", (HeaderDeadlineProtocol,), {"header_timeout": header_timeout})
    # Keep-alive longer than uvicorn's 5 s: a client reusing a connection the server is closing
    # gets a reset; an intranet bot keeps its connection between questions.
    uvicorn.run(app, host=host, port=port, log_level="info", timeout_keep_alive=keep_alive, http=protocol)
