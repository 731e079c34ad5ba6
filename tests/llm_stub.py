"""A stand-in for a language model at the one true external edge: a real HTTP server on loopback
speaking the OpenAI chat-completions protocol (JSON, and server-sent events when asked to
stream), replying with a script the test sets. It records every request it gets."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Script:
    """What the stand-in answers next: `text` (sent in small pieces), or a failure."""

    def __init__(self, text: str = "", *, delay: float = 0.0, status: int = 200, broken: bool = False, hang: float = 0.0) -> None:
        self.text = text
        self.delay = delay  # seconds between pieces
        self.status = status  # an HTTP error instead of an answer
        self.broken = broken  # a stream whose data lines are not JSON
        self.hang = hang  # seconds before the first byte


class StubLlm:
    def __init__(self) -> None:
        self.script = Script("")
        self.requests: list[dict] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                stub.requests.append({"path": self.path, "body": body, "headers": {k.lower(): v for k, v in self.headers.items()}})
                script = stub.script
                if script.hang:
                    time.sleep(script.hang)
                if not self.path.endswith("/chat/completions"):
                    return self._json(404, {"error": {"message": "not found"}})
                if script.status != 200:
                    return self._json(script.status, {"error": {"message": "scripted failure", "type": "server_error"}})
                if not body.get("stream"):
                    return self._json(200, _completion(body.get("model", "stub"), script.text))
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Cache-Control", "no-cache")
                self.send_header("Connection", "close")
                self.end_headers()
                try:
                    for piece in _pieces(script.text):
                        data = "{not json" if script.broken else json.dumps(_chunk(body.get("model", "stub"), {"content": piece}))
                        self.wfile.write(f"data: {data}\n\n".encode())
                        self.wfile.flush()
                        if script.delay:
                            time.sleep(script.delay)
                    self.wfile.write(f"data: {json.dumps(_chunk(body.get('model', 'stub'), {}, 'stop'))}\n\n".encode())
                    self.wfile.write(b"data: [DONE]\n\n")
                    self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (its deadline)
                    pass
                self.close_connection = True

            def _json(self, status: int, payload: dict) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> StubLlm:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


def _pieces(text: str, size: int = 7) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


def _chunk(model: str, delta: dict, finish: str | None = None) -> dict:
    return {
        "id": "chatcmpl-stub",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


def _completion(model: str, text: str) -> dict:
    return {
        "id": "chatcmpl-stub",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }
