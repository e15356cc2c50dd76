from celery import shared_task


@shared_task(acks_late=True)
def ping(value: str = "pong") -> str:
    """Round trip through the broker and a worker; used by health checks and tests."""
    return value
