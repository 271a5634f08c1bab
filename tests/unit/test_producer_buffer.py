"""The producer's buffer of table writes is sized by the app, past Faust's 100 (see patches)."""

from __future__ import annotations

from pathlib import Path

from faust.transport.producer import Producer

from streams.runtime.app import create_app
from streams.settings import Settings


async def test_a_gated_stage_has_room_for_the_table_writes_of_its_batches(tmp_path: Path) -> None:
    app = create_app(Settings(batch_max=50, data_dir=tmp_path), ["stance"])
    producer = app.producer
    assert producer.buffer.max_messages == 100  # Faust's own, until the producer starts
    await Producer.on_start(producer)  # the base start (the driver's also opens a connection)
    try:
        assert producer.buffer.max_messages == 4 * 50
    finally:
        await producer.buffer.stop()
