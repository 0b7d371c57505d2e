"""Admission, bounded inference and deadlines for one worker.

- Admission: at most `1 + max_queue` requests are inside a worker at once (one at the model, the rest waiting).
  One more is answered at once with 503 and a Retry-After estimated from recent inference times, instead of
  queueing without limit (PaddleX's unbounded queue.Queue).
- Inference runs on ONE dedicated thread: a Paddle Inference predictor is not thread-safe (PaddleX serialises its
  calls for the same reason). More throughput = more worker processes (--workers).
- CPU work around it (base64, decoding, encoding, RLE) runs on a small separate pool, URL downloads on another,
  never on the event loop.
- Every request has a deadline (Serving.request_timeout). Past it the client gets 503; an inference already
  running cannot be interrupted, so its slot stays taken until it ends (the next requests wait for it).
"""
import asyncio
import math
import time
from concurrent.futures import ThreadPoolExecutor

from .envelope import ApiError


class Gate:
    """Admission counter + the inference thread + the CPU pool of one worker.

    Args:
        max_queue: requests that may wait for the model besides the one running.
        cpu_threads: threads for decoding/encoding work.
    """

    def __init__(self, max_queue, cpu_threads=2, io_threads=8):
        self.capacity = 1 + int(max_queue)
        self.inside = 0
        self.served = 0
        self.rejected = 0
        self._infer_time = None  # moving average of seconds per inference
        self._model = ThreadPoolExecutor(1, thread_name_prefix="serving-infer")
        self._cpu = ThreadPoolExecutor(cpu_threads, thread_name_prefix="serving-cpu")
        # URL downloads wait on the network: their own pool, so slow URLs cannot hold up decoding for others.
        self._io = ThreadPoolExecutor(io_threads, thread_name_prefix="serving-io")
        self._slot = None  # asyncio.Lock, created inside the running loop

    def retry_after(self):
        """Seconds a rejected client should wait: about the time to drain the current queue (at least 1)."""
        per_call = self._infer_time or 1.0
        return max(1, math.ceil(per_call * self.inside))

    def admit(self):
        """Count a request in, or raise ApiError 503 (with Retry-After) when the worker is full."""
        if self.inside >= self.capacity:
            self.rejected += 1
            raise ApiError(503, None, "overloaded",
                           f"Server busy: {self.inside} requests in progress (limit {self.capacity}, "
                           "Serving.max_queue + 1); retry later", {"Retry-After": str(self.retry_after())})
        self.inside += 1

    def leave(self):
        """Count a request out (always paired with a successful admit)."""
        self.inside -= 1
        self.served += 1

    async def cpu(self, func, *args):
        """Run blocking CPU work off the event loop."""
        return await asyncio.get_running_loop().run_in_executor(self._cpu, func, *args)

    async def io(self, func, *args):
        """Run blocking network work (URL downloads) off the event loop."""
        return await asyncio.get_running_loop().run_in_executor(self._io, func, *args)

    def _timed(self, func, args):
        start = time.perf_counter()
        try:
            return func(*args)
        finally:
            took = time.perf_counter() - start
            self._infer_time = took if self._infer_time is None else 0.8 * self._infer_time + 0.2 * took

    async def infer(self, deadline, func, *args):
        """Run `func(*args)` on the inference thread, waiting for the slot until `deadline` (loop time)."""
        loop = asyncio.get_running_loop()
        if self._slot is None:
            self._slot = asyncio.Lock()
        try:
            await asyncio.wait_for(self._slot.acquire(), max(0.0, deadline - loop.time()))
        except asyncio.TimeoutError:
            raise self.deadline_error("waiting for the model") from None
        future = loop.run_in_executor(self._model, self._timed, func, args)
        future.add_done_callback(lambda _: self._slot.release())  # freed when inference really ends
        try:
            return await asyncio.wait_for(asyncio.shield(future), max(0.0, deadline - loop.time()))
        except asyncio.TimeoutError:
            raise self.deadline_error("during inference") from None

    def deadline_error(self, where):
        """ApiError 503 for a request past its deadline."""
        return ApiError(503, None, "timeout", f"Request took longer than the server's time limit ({where}; "
                                              "Serving.request_timeout); retry later",
                        {"Retry-After": str(self.retry_after())})

    def shutdown(self):
        """Let running work finish, then stop the threads."""
        for pool in (self._model, self._cpu, self._io):
            pool.shutdown(wait=True)
