"""Which images have a classify task waiting in the broker: to tell a queued image whose message
was lost from one that is only waiting its turn.

Redis loses a message when a connection drops between a worker's pop and its bookkeeping, or
when Redis restarts without having saved it; the database row stays "queued" for ever. Reading
the queue (its lists, one per priority step) and the unacknowledged set is cheap next to a
classification, and exact. Only kombu's Redis transport is read; for another broker the answer
is None and only the slower requeue_stuck_images applies.
"""

import base64
import json
import logging

logger = logging.getLogger(__name__)

QUEUE = "classify"
TASK = "classifier.tasks.classify_image"
# Messages read at most per sweep (about 1.5 kB each); with more waiting, the answer is None.
MAX_READ = 20_000


def _image_id(raw: bytes) -> int | None:
    """The image id of a kombu Redis message, or None when it is not a classify task."""
    try:
        message = json.loads(raw)
        if message.get("headers", {}).get("task") != TASK:
            return None
        body = message["body"]
        if message.get("properties", {}).get("body_encoding") == "base64":
            body = base64.b64decode(body)
        args = json.loads(body)[0]
        return int(args[0])
    except (ValueError, KeyError, IndexError, TypeError):
        return None


def waiting_image_ids(app) -> set[int] | None:
    """Image ids of every classify task in the broker (queued or delivered and unacknowledged),
    or None when the broker is not Redis, cannot be read, or holds more than MAX_READ."""
    try:
        with app.connection_for_read() as connection:
            channel = connection.default_channel
            if not hasattr(channel, "unacked_key"):
                return None
            client = channel.client
            keys = [channel._q_for_pri(QUEUE, step) for step in channel.priority_steps]
            waiting = sum(client.llen(key) for key in keys) + client.hlen(channel.unacked_key)
            if waiting > MAX_READ:
                return None  # a long backlog: look for lost messages once it has shrunk
            pipe = client.pipeline()
            for key in keys:
                pipe.lrange(key, 0, -1)
            pipe.hvals(channel.unacked_key)
            lists = pipe.execute()
    except Exception as error:  # the broker is down or not what we expect
        logger.info("Broker queue not read: %s", error)
        return None
    raws = [raw for listed in lists[:-1] for raw in listed]
    raws += [raw for entry in lists[-1] for raw in _unacked_messages(entry)]
    return {image_id for raw in raws if (image_id := _image_id(raw)) is not None}


def _unacked_messages(entry: bytes) -> list:
    # An unacknowledged entry is [message, exchange, routing key].
    try:
        message = json.loads(entry)[0]
    except (ValueError, IndexError, TypeError):
        return []
    return [json.dumps(message)] if isinstance(message, dict) else []
