"""A client for observer's POST /observer/events, with the standard library only.

Python 3.8 or later. Copy this file next to your code; docs/client.md says how
to use it. `observe(op)` encodes the op at once and queues it; a sender thread
posts the queue in batches and retries what failed, with the same ids, so the
service counts a retried op once.
"""

import atexit
import collections
import collections.abc
import email.utils
import http.client
import json
import math
import random
import threading
import time
import urllib.error
import urllib.request
import uuid
from datetime import date, datetime, timedelta, timezone

__all__ = ["InvalidOpError", "ObserverClient", "encode_op"]

# The service refuses an op nested deeper than this (the op itself is level 1).
MAX_DEPTH = 64

# One request's ops at most: the service takes 500 ops and 1 MiB (1,048,576
# bytes); a larger body is refused whole, every op in it with it.
MAX_BATCH_OPS = 500
MAX_BATCH_BYTES = 1_000_000


class InvalidOpError(ValueError):
    """An op observe() refused: it was never queued. `field` names where ("" for the op itself)."""

    def __init__(self, message, field=""):
        super().__init__(message)
        self.field = field


def encode_op(op, now):
    """The op as JSON with an `id` and a `timestamp` (`now` when it has none): (id, bytes).

    Raises InvalidOpError, naming the field, for a value JSON cannot hold.
    """
    if not isinstance(op, collections.abc.Mapping):
        raise InvalidOpError(f"an op must be a dict, not a {type(op).__name__}")
    fields = dict(op)
    fields["id"] = fields.get("id") or str(uuid.uuid4())
    if fields.get("timestamp") is None:
        fields["timestamp"] = now
    plain = _plain(fields, "", 1, ())
    return plain["id"], json.dumps(plain, separators=(",", ":"), allow_nan=False).encode()


def _plain(value, field, depth, ancestors):
    """The value as json.dumps writes it: datetimes as RFC 3339 text; anything else refused.

    `depth` is the value's nesting level (the op is 1); `ancestors`, the ids of
    the containers it sits in.
    """
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        if math.isfinite(value):
            return value
        raise InvalidOpError(f"{_name(field)} is {value!r}: JSON has no NaN or Infinity", field)
    if isinstance(value, datetime):
        return _rfc3339(value, field)
    if isinstance(value, date):
        raise InvalidOpError(
            f"{_name(field)} is a date without a time: pass a datetime with a timezone, "
            "or a string",
            field,
        )
    if id(value) in ancestors:
        raise InvalidOpError(f"{_name(field)} contains itself", field)
    if depth > MAX_DEPTH:
        raise InvalidOpError(f"{_name(field)} nests deeper than {MAX_DEPTH} levels", field)
    ancestors += (id(value),)
    if isinstance(value, collections.abc.Mapping):
        out = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise InvalidOpError(
                    f"{_name(field)} has a key that is not a string: {key!r}", field
                )
            out[key] = _plain(item, f"{field}.{key}" if field else key, depth + 1, ancestors)
        return out
    if isinstance(value, (list, tuple)):
        return [_plain(item, f"{field}[{i}]", depth + 1, ancestors) for i, item in enumerate(value)]
    raise InvalidOpError(
        f"{_name(field)} is of type {type(value).__name__}, which JSON cannot hold: "
        "convert it before observe() (to a str, a number, a list or a dict)",
        field,
    )


def _rfc3339(value, field):
    """An aware datetime as RFC 3339 text with its offset; a naive one is refused."""
    offset = value.utcoffset()
    if offset is None:
        # The service refuses a timestamp without an offset: guessing one
        # (local time? UTC?) would record the wrong instant without a word.
        raise InvalidOpError(
            f"{_name(field)} is a datetime without a timezone: "
            "use datetime.now(timezone.utc), or give it a tzinfo",
            field,
        )
    if offset % timedelta(minutes=1):
        # RFC 3339 offsets are whole minutes; isoformat() would write seconds.
        try:
            value = value.astimezone(timezone.utc)
        except OverflowError:
            raise InvalidOpError(f"{_name(field)} is out of range in UTC", field) from None
    return value.isoformat()


def _name(field):
    return f'op field "{field}"' if field else "the op"


def _body_of(err):
    """The start of an error answer's body (b"" when it cannot be read)."""
    try:
        return err.read()[:1000]
    except Exception:
        return b""


# An op waiting to be sent: its number in observe order, its id, its JSON.
_Queued = collections.namedtuple("_Queued", "seq id data")


class ObserverClient:
    """Batches ops to POST /observer/events; retries 429, 5xx and network errors."""

    def __init__(self, url, token=None, flush_at=100, flush_interval=1.0, max_queue=10_000,
                 max_retries=8, base=0.2, cap=30.0, timeout=15.0, on_error=None,
                 exit_timeout=10.0):
        self.url = url.rstrip("/") + "/observer/events"
        self.headers = {"content-type": "application/json"}
        if token:
            self.headers["authorization"] = "Bearer " + token
        self.flush_at, self.flush_interval, self.max_queue = flush_at, flush_interval, max_queue
        self.max_retries, self.base, self.cap, self.timeout = max_retries, base, cap, timeout
        self.exit_timeout = exit_timeout
        self.on_error = on_error or (lambda kind, detail: print("observer:", kind, detail))
        self.queue = collections.deque()  # _Queued, oldest first
        self.cond = threading.Condition()
        self.closed = False
        self.dropped = self.sent = 0
        self._seq = 0  # the number of the last op queued
        self._in_flight = []  # the batch being sent, while it is
        self._flushing = 0  # flush() calls waiting
        self._sender = threading.Thread(target=self._run, name="observer-client", daemon=True)
        self._sender_alive = True
        self._sender.start()
        atexit.register(self._at_exit)

    def observe(self, op):
        """Encodes the op now and queues it; returns its id. Never raises.

        An op that cannot be encoded (a value JSON cannot hold, a datetime
        without a timezone) is reported as "invalid" and never queued; one
        observed after shutdown() is reported as "dropped". Both return None.
        """
        try:
            op_id, data = encode_op(op, datetime.now(timezone.utc))
        except InvalidOpError as err:
            self._report("invalid", err)
            return None
        except Exception as err:  # a mapping whose items() fails, say: refused all the same
            self._report("invalid", InvalidOpError(f"the op cannot be encoded: {err!r}"))
            return None
        pushed_out = None
        with self.cond:
            if self.closed:  # after shutdown(), nothing is queued
                pushed_out, op_id = op_id, None
                self.dropped += 1
            else:
                if len(self.queue) >= self.max_queue:
                    pushed_out = self.queue.popleft().id
                    self.dropped += 1
                self._seq += 1
                self.queue.append(_Queued(self._seq, op_id, data))
                if len(self.queue) >= self.flush_at:
                    self.cond.notify_all()
        if pushed_out is not None:  # reported outside the lock: a slow on_error holds up no one
            self._report("dropped", pushed_out)
        return op_id

    def flush(self, timeout=None):
        """Sends the ops observed so far; True once each is acknowledged or given up.

        With a timeout, returns False after that many seconds if some are still
        queued or in flight (they are still sent). Without one, it returns when
        the retries end: at most max_retries + 1 requests of `timeout` seconds
        and the waits between them, per batch.
        """
        if threading.current_thread() is self._sender:
            return False  # called from on_error: it would wait for itself
        with self.cond:
            target = self._seq
            self._flushing += 1
            self.cond.notify_all()
            try:
                self.cond.wait_for(lambda: self._settled(target) or not self._sender_alive, timeout)
                return self._settled(target)
            finally:
                self._flushing -= 1

    def shutdown(self, timeout=None):
        """flush(timeout), then stops; returns what flush() returned.

        What is still queued, and any op observed later, is dropped and
        reported. A batch still in flight goes on; the exit hook stays until it
        is settled, so it is reported if the process exits first.
        """
        done = self.flush(timeout)
        for op_id in self._stop():
            self._report("dropped", op_id)
        if done:
            atexit.unregister(self._at_exit)
        return done

    def _at_exit(self):
        """At exit: flushes for exit_timeout seconds at most, then reports the rest as "exit"."""
        self.flush(self.exit_timeout)
        left = self._stop(with_in_flight=True)
        if left:
            self._report("exit", left)

    def _stop(self, with_in_flight=False):
        """Stops the sender after the batch in flight; empties the queue, returns the ids it held.

        with_in_flight: the batch in flight's ids first (at exit, it will not finish).
        """
        with self.cond:
            self.closed = True
            left = [op.id for op in self.queue]
            self.queue.clear()
            self.dropped += len(left)
            self.cond.notify_all()
            return [op.id for op in self._in_flight] + left if with_in_flight else left

    def _settled(self, seq):
        """True when every op up to number `seq` is acknowledged, given up or dropped."""
        oldest = self._in_flight or self.queue
        return not oldest or oldest[0].seq > seq

    def _report(self, kind, detail):
        """Tells on_error; one that raises is ignored: it stops neither the loop nor the sender."""
        try:
            self.on_error(kind, detail)
        except Exception:
            pass

    def _run(self):
        try:
            while True:
                with self.cond:
                    self.cond.wait_for(self._due, timeout=self.flush_interval)
                    if self.closed and not self.queue:
                        return
                    batch = self._take()
                    self._in_flight = batch
                if batch:
                    try:
                        self._send(batch)
                    except Exception:  # nothing foreseen raises here; the thread goes on regardless
                        self._report("gave-up", [op.id for op in batch])
                with self.cond:
                    self._in_flight = []
                    self.cond.notify_all()
        finally:  # however the thread ends, flush() must not wait for it
            with self.cond:
                self._sender_alive = False
                self.cond.notify_all()

    def _take(self):
        """Ops from the front of the queue for one request, within the batch limits (one at least)."""
        batch, size = [], 2  # the brackets
        while self.queue and len(batch) < MAX_BATCH_OPS:
            added = len(self.queue[0].data) + (1 if batch else 0)  # a comma before all but the first
            if batch and size + added > MAX_BATCH_BYTES:
                break
            size += added
            batch.append(self.queue.popleft())
        return batch

    def _due(self):
        """True when a batch should go now, before flush_interval has passed."""
        return self.closed or (self._flushing and self.queue) or len(self.queue) >= self.flush_at

    def _send(self, batch):
        """Posts one batch until it is acknowledged, refused or given up; reports how it went."""
        ids = [op.id for op in batch]
        body = b"[" + b",".join(op.data for op in batch) + b"]"
        for attempt in range(self.max_retries + 1):
            retry_after = None
            try:
                rejected = self._post(body, len(batch))
            except urllib.error.HTTPError as err:
                if err.code != 429 and err.code < 500:  # refused: resending will not help
                    self._report("refused", (err.code, _body_of(err)))
                    return
                retry_after = err.headers.get("retry-after")
            except (OSError, ValueError, http.client.HTTPException):
                pass  # no answer, a timeout, a cut or garbled answer: retry, the ids make it safe
            else:
                for index, error in rejected:
                    self._report("rejected", (ids[index], error))
                self.sent += len(batch) - len(rejected)
                return
            if attempt < self.max_retries:
                time.sleep(self._delay(attempt, retry_after))
        self._report("gave-up", ids)

    def _post(self, body, size):
        """One request: (index, error) of each op a 207 refused; ValueError if no batch answer."""
        request = urllib.request.Request(self.url, data=body, headers=self.headers, method="POST")
        with urllib.request.urlopen(request, timeout=self.timeout) as res:
            answer = json.load(res)  # 201, or 207 with the ops it refused
        is_batch_answer = isinstance(answer, dict) and "accepted" in answer
        rejected = answer.get("rejected", []) if is_batch_answer else None
        if not isinstance(rejected, list):
            raise ValueError("not a batch answer")
        out = []
        for item in rejected:
            index = item.get("index") if isinstance(item, dict) else None
            if type(index) is not int or not 0 <= index < size:
                raise ValueError("not a batch answer: a rejected op without its index")
            out.append((index, item.get("error")))
        return out

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
