"""ASGI middleware: cap the request body size and the time to receive it, before any parsing.

A body over the cap gets 413 (a chunked one as soon as it passes the cap). A client that sends its body too slowly
gets 408. The body is then handed to the app from memory, so FastAPI never reads from the socket itself.
Before a 413 the rest of the body is read and thrown away (up to DRAIN_LIMIT bytes, within the timeout): closing a
socket with unread data makes the kernel send a reset, and most clients (requests, curl) write the whole body before
reading, so they would see "connection reset" instead of the 413 envelope.
"""
import asyncio

from .envelope import error_response, new_log_id


DRAIN_LIMIT = 64 * 1024 * 1024


class BodyLimit:
    """Wraps an ASGI app.

    Args:
        app: the ASGI app.
        max_bytes: largest body accepted.
        timeout: seconds allowed to receive the whole body.
    """

    def __init__(self, app, max_bytes, timeout):
        self.app, self.max_bytes, self.timeout = app, int(max_bytes), float(timeout)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            return await self.app(scope, receive, send)
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_bytes:
            if int(length) <= DRAIN_LIMIT:
                await self._drain(receive)
            return await self._refuse(scope, receive, send, 413, f"Request body of {int(length)} bytes is over the "
                                      f"{self.max_bytes} byte limit (Serving.max_body_bytes)")
        try:
            body = await asyncio.wait_for(self._read(receive), self.timeout)
        except asyncio.TimeoutError:
            return await self._refuse(scope, receive, send, 408, f"Request body not received within "
                                      f"{self.timeout:g} s (Serving.request_timeout)")
        except _TooLarge:
            await self._drain(receive)
            return await self._refuse(scope, receive, send, 413, f"Request body is over the {self.max_bytes} "
                                      "byte limit (Serving.max_body_bytes)")
        except _Disconnected:
            return None
        sent = False

        async def replay():
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()  # after the body: wait for the disconnect message as usual

        return await self.app(scope, replay, send)

    async def _read(self, receive):
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise _Disconnected()
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                raise _TooLarge()
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    async def _drain(self, receive):
        """Read and drop the rest of the body (bounded by DRAIN_LIMIT and the timeout)."""
        async def drop():
            size = 0
            while size <= DRAIN_LIMIT:
                message = await receive()
                size += len(message.get("body", b""))
                if message["type"] == "http.disconnect" or not message.get("more_body", False):
                    return
        try:
            await asyncio.wait_for(drop(), self.timeout)
        except asyncio.TimeoutError:
            pass

    @staticmethod
    async def _refuse(scope, receive, send, status, message):
        # Connection: close, so the unread rest of the body does not have to be drained.
        response = error_response(new_log_id(), status, message, {"Connection": "close"})
        await response(scope, receive, send)


class _TooLarge(Exception):
    pass


class _Disconnected(Exception):
    pass
