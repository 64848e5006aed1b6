import atexit, collections, email.utils, json, random, threading, time, urllib.error, urllib.request, uuid
from datetime import datetime, timezone


class ObserverClient:
    """Batches ops to POST /observer/events; retries 429, 5xx and network errors."""

    def __init__(self, url, token=None, flush_at=100, flush_interval=1.0, max_queue=10_000,
                 max_retries=8, base=0.2, cap=30.0, timeout=15.0, on_error=None):
        self.url = url.rstrip("/") + "/observer/events"
        self.headers = {"content-type": "application/json"}
        if token:
            self.headers["authorization"] = "Bearer " + token
        self.flush_at, self.flush_interval, self.max_queue = flush_at, flush_interval, max_queue
        self.max_retries, self.base, self.cap, self.timeout = max_retries, base, cap, timeout
        self.on_error = on_error or (lambda kind, detail: print("observer:", kind, detail))
        self.queue = collections.deque()
        self.cond = threading.Condition()
        self.sending = self.flushing = self.closed = False
        self.dropped = self.sent = 0
        threading.Thread(target=self._run, daemon=True).start()
        atexit.register(self.shutdown)

    def observe(self, op):
        """Queues a copy of the op with an id and a timestamp; returns the id. Never raises."""
        try:
            op = dict(op, id=op.get("id") or str(uuid.uuid4()))
            op.setdefault("timestamp", datetime.now(timezone.utc).isoformat())
        except Exception as err:
            self.on_error("invalid", err)
            return None
        with self.cond:
            if len(self.queue) >= self.max_queue:
                self.on_error("dropped", self.queue.popleft()["id"])
                self.dropped += 1
            self.queue.append(op)
            if len(self.queue) >= self.flush_at:
                self.cond.notify_all()
        return op["id"]

    def flush(self):
        """Returns once everything queued is acknowledged or given up."""
        with self.cond:
            self.flushing = True
            self.cond.notify_all()
            self.cond.wait_for(lambda: not self.queue and not self.sending)
            self.flushing = False

    def shutdown(self):
        self.flush()
        with self.cond:
            self.closed = True
            self.cond.notify_all()

    def _run(self):
        while True:
            with self.cond:
                self.cond.wait_for(lambda: self.closed or self.flushing or len(self.queue) >= self.flush_at,
                                   timeout=self.flush_interval)
                if self.closed and not self.queue:
                    return
                batch = [self.queue.popleft() for _ in range(min(500, len(self.queue)))]
                self.sending = bool(batch)
            if batch:
                self._send(batch)
            with self.cond:
                self.sending = False
                self.cond.notify_all()

    def _send(self, batch):
        body = json.dumps(batch).encode()
        for attempt in range(self.max_retries + 1):
            retry_after = None
            try:
                request = urllib.request.Request(self.url, data=body, headers=self.headers, method="POST")
                with urllib.request.urlopen(request, timeout=self.timeout) as res:
                    answer = json.load(res)  # 201, or 207 with the ops it refused
                if not isinstance(answer, dict) or "accepted" not in answer:
                    raise ValueError("not a batch answer")
                for rejected in answer.get("rejected", []):
                    self.on_error("rejected", (batch[rejected["index"]]["id"], rejected["error"]))
                self.sent += len(batch) - len(answer.get("rejected", []))
                return
            except urllib.error.HTTPError as err:
                if err.code != 429 and err.code < 500:  # refused: resending will not help
                    self.on_error("refused", (err.code, err.read()[:1000]))
                    return
                retry_after = err.headers.get("retry-after")
            except (OSError, ValueError):  # no answer, a timeout, or not JSON: retry, the ids make it safe
                pass
            if attempt < self.max_retries:
                time.sleep(self._delay(attempt, retry_after))
        self.on_error("gave-up", [op["id"] for op in batch])

    def _delay(self, attempt, retry_after):
        if retry_after:
            if retry_after.strip().replace(".", "", 1).isdigit():
                return min(float(retry_after), 60.0)
            try:
                at = email.utils.parsedate_to_datetime(retry_after)
                return min(max(0.0, at.timestamp() - time.time()), 60.0)
            except (TypeError, ValueError):
                pass
        return random.uniform(0, min(self.cap, self.base * 2 ** attempt))  # full jitter


if __name__ == "__main__":
    observer = ObserverClient("http://localhost:3000")
    for i in range(1000):
        observer.observe({"endpoint": "tools/call", "success": i % 7 != 0, "source": "scenario"})
    observer.flush()
    print("sent", observer.sent, "dropped", observer.dropped)
