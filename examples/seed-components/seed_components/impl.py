"""The seed's Python components (shared/seeds/custom-components.md), written on the generated stubs.

Every function has the signature ``seed_components.generated.Implementation`` gives it: the
generated input type in, the generated output type out, and ``context`` where the seed used it.
The bodies are the seed's, with these changes:

* the types come from the schemas (``schemas/*.json``) instead of msgspec classes written here;
* ``http_request`` uses ``urllib.request`` instead of ``requests`` (no dependency; tested against a
  loopback HTTP server);
* ``database_query`` / ``bulk_insert`` use ``sqlite3`` (``connection_string`` is a SQLite file
  path) instead of asyncpg/PostgreSQL, in worker threads; queries keep the seed's ``$1, $2``
  placeholders (SQLite's numbered parameters);
* ``health_check`` takes its (ignored) input, like every component here.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime
import json
import logging
import os
import re
import sqlite3
import time
import urllib.error
import urllib.request
import uuid
from typing import Any

from seed_components.generated import StepflowContext
from seed_components.generated.component_types import (
    BatchProcessingInput,
    BatchProcessingOutput,
    BulkInsertInput,
    BulkInsertOutput,
    CacheDataInput,
    CacheDataOutput,
    DatabaseQueryInput,
    DatabaseQueryOutput,
    DistributedProcessingInput,
    DistributedProcessingOutput,
    HealthCheckInput,
    HealthCheckOutput,
    HttpRequestInput,
    HttpRequestOutput,
    ProcessDataInput,
    ProcessDataOutput,
    RetrieveCacheInput,
    RetrieveCacheOutput,
    RobustProcessingInput,
    RobustProcessingOutput,
)

logger = logging.getLogger(__name__)
_STARTED = time.time()


# -- Basic Component Server --------------------------------------------------------------------


def process_data(input: ProcessDataInput, context: StepflowContext) -> ProcessDataOutput:
    """Process data according to specified rules with metadata tracking."""
    start_time = time.time()
    processed = input.data.copy()
    rules = input.processing_rules or {}
    for key, value in processed.items():
        if isinstance(value, str):
            if rules.get("uppercase", False):
                processed[key] = value.upper()
            elif rules.get("lowercase", False):
                processed[key] = value.lower()
            elif rules.get("title_case", False):
                processed[key] = value.title()
    metadata: dict[str, Any] = {}
    if input.include_metadata:
        metadata = {
            "processed_at": datetime.datetime.now().isoformat(),
            "original_keys": list(input.data.keys()),
            "processed_keys": list(processed.keys()),
            "rules_applied": rules,
            "component_version": "1.0.0",
        }
    return ProcessDataOutput(
        processed_data=processed,
        metadata=metadata,
        processing_time_ms=int((time.time() - start_time) * 1000),
    )


def http_request(input: HttpRequestInput, context: StepflowContext) -> HttpRequestOutput:
    """Make HTTP requests with automatic retries and error handling."""
    start_time = time.time()
    headers = dict(input.headers or {})
    headers.setdefault("User-Agent", "StepFlow-Component/1.0")
    body = None
    if input.json_data is not None:
        body = json.dumps(input.json_data).encode()
        headers.setdefault("Content-Type", "application/json")
    last_error = None
    for attempt in range(input.retries + 1):
        try:
            request = urllib.request.Request(input.url, data=body, headers=headers, method=input.method)
            try:
                with urllib.request.urlopen(request, timeout=input.timeout) as response:
                    status, content = response.status, response.read()
            except urllib.error.HTTPError as e:  # 4xx/5xx: still an answer
                status, content = e.code, e.read()
            text = content.decode("utf-8", errors="replace")
            data: dict[str, Any] | None
            try:
                parsed = json.loads(text) if content else None
                data = parsed if isinstance(parsed, dict) or parsed is None else {"json": parsed}
            except ValueError:
                data = {"text": text} if text else None
            return HttpRequestOutput(
                success=status < 400,
                status_code=status,
                data=data,
                error_message=None if status < 400 else f"HTTP {status}",
                response_time_ms=int((time.time() - start_time) * 1000),
                attempts_made=attempt + 1,
            )
        except Exception as e:
            last_error = str(e)
            if attempt < input.retries:
                time.sleep(2**attempt)  # exponential backoff
    return HttpRequestOutput(
        success=False,
        status_code=0,
        data=None,
        error_message=last_error,
        response_time_ms=int((time.time() - start_time) * 1000),
        attempts_made=input.retries + 1,
    )


async def cache_data(input: CacheDataInput, context: StepflowContext) -> CacheDataOutput:
    """Cache data using StepFlow's blob storage with metadata."""
    now = datetime.datetime.now()
    cache_entry = {
        "data": input.data,
        "cached_at": now.isoformat(),
        "ttl_minutes": input.ttl_minutes,
        "expires_at": (now + datetime.timedelta(minutes=input.ttl_minutes)).isoformat(),
        "cache_key": input.key,
    }
    blob_id = await context.put_blob(cache_entry)
    return CacheDataOutput(blob_id=blob_id, cache_key=input.key, expires_at=str(cache_entry["expires_at"]))


async def retrieve_cache(input: RetrieveCacheInput, context: StepflowContext) -> RetrieveCacheOutput:
    """Retrieve cached data with expiration checking."""
    try:
        cache_entry = await context.get_blob(input.blob_id)
        expires_at = datetime.datetime.fromisoformat(cache_entry["expires_at"])
        is_expired = datetime.datetime.now() > expires_at
        return RetrieveCacheOutput(
            found=True,
            data=cache_entry["data"] if not is_expired else None,
            is_expired=is_expired,
            cached_at=cache_entry["cached_at"],
        )
    except Exception:
        return RetrieveCacheOutput(found=False, data=None, is_expired=False, cached_at=None)


# -- Database Component with Connection Pooling (sqlite3 instead of asyncpg) -----------------


def _sqlite(connection_string: str, timeout: float) -> sqlite3.Connection:
    db = sqlite3.connect(connection_string.removeprefix("sqlite:///"), timeout=timeout, isolation_level=None)
    db.row_factory = sqlite3.Row
    return db


def _numbered(query: str) -> str:
    """asyncpg's ``$1`` placeholders as SQLite's ``?1``."""
    return re.sub(r"\$(\d+)", r"?\1", query)


async def database_query(input: DatabaseQueryInput) -> DatabaseQueryOutput:
    """Execute database queries with connection pooling."""
    start_time = time.time()

    def run() -> tuple[list[dict[str, Any]] | None, int]:
        db = _sqlite(input.connection_string, input.timeout)
        try:
            cursor = db.execute(_numbered(input.query), input.parameters or [])
            if input.fetch_mode == "none":
                return None, max(cursor.rowcount, 0)
            if input.fetch_mode == "one":
                row = cursor.fetchone()
                rows = [dict(row)] if row else []
            else:
                rows = [dict(r) for r in cursor.fetchall()]
            return rows, len(rows)
        finally:
            db.close()

    try:
        rows, row_count = await asyncio.to_thread(run)
        return DatabaseQueryOutput(
            success=True,
            rows=rows,
            row_count=row_count,
            execution_time_ms=int((time.time() - start_time) * 1000),
            error_message=None,
        )
    except Exception as e:
        return DatabaseQueryOutput(
            success=False,
            rows=None,
            row_count=0,
            execution_time_ms=int((time.time() - start_time) * 1000),
            error_message=str(e),
        )


async def bulk_insert(input: BulkInsertInput) -> BulkInsertOutput:
    """Perform bulk insert operations with batching."""
    start_time = time.time()
    done = {"records": 0, "batches": 0}

    def run() -> None:
        db = _sqlite(input.connection_string, 30)
        try:
            for i in range(0, len(input.records), input.batch_size):
                batch = input.records[i : i + input.batch_size]
                db.execute("BEGIN")
                try:
                    for record in batch:
                        columns = list(record.keys())
                        placeholders = ", ".join("?" for _ in columns)
                        query = f"INSERT INTO {input.table_name} ({', '.join(columns)}) VALUES ({placeholders})"
                        if input.upsert_key:
                            updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c not in input.upsert_key)
                            query += f" ON CONFLICT ({', '.join(input.upsert_key)}) DO " + (
                                f"UPDATE SET {updates}" if updates else "NOTHING"
                            )
                        db.execute(query, list(record.values()))
                    db.execute("COMMIT")
                except BaseException:
                    db.execute("ROLLBACK")
                    raise
                done["records"] += len(batch)
                done["batches"] += 1
        finally:
            db.close()

    try:
        await asyncio.to_thread(run)
        error = None
    except Exception as e:
        error = str(e)
    return BulkInsertOutput(
        success=error is None,
        records_processed=done["records"],
        batches_processed=done["batches"],
        execution_time_ms=int((time.time() - start_time) * 1000),
        error_message=error,
    )


# -- Error Handling ------------------------------------------------------------------------------


class ComponentError(Exception):
    """Custom exception for component errors."""

    def __init__(self, message: str, error_code: str = "COMPONENT_ERROR"):
        self.message = message
        self.error_code = error_code
        super().__init__(message)


def robust_processing(input: RobustProcessingInput, context: StepflowContext) -> RobustProcessingOutput:
    """Component with comprehensive error handling and retry logic."""
    retries = 0
    last_error: Exception | None = None
    while retries <= input.max_retries:
        try:
            logger.info("Processing attempt %d for data: %s", retries + 1, list(input.data.keys()))
            if not input.data:
                raise ComponentError("Input data is empty", "EMPTY_INPUT")
            processed: dict[str, Any] = {}
            for key, value in input.data.items():
                if not isinstance(value, (str, int, float)):
                    if input.strict_mode:
                        raise ComponentError(f"Invalid data type for key {key}", "INVALID_TYPE")
                    logger.warning("Skipping invalid data type for key %s", key)
                    continue
                processed[key] = value.strip().title() if isinstance(value, str) else value
            return RobustProcessingOutput(success=True, processed_data=processed, retries_attempted=retries)
        except ComponentError as e:
            last_error = e
            if input.strict_mode or retries >= input.max_retries:
                return RobustProcessingOutput(
                    success=False, error_message=e.message, error_code=e.error_code, retries_attempted=retries
                )
            retries += 1
        except Exception as e:
            last_error = e
            if retries >= input.max_retries:
                return RobustProcessingOutput(
                    success=False,
                    error_message=f"Unexpected error: {e}",
                    error_code="UNEXPECTED_ERROR",
                    retries_attempted=retries,
                )
            retries += 1
    return RobustProcessingOutput(
        success=False,
        error_message=f"Failed after {input.max_retries + 1} attempts: {last_error}",
        error_code="MAX_RETRIES_EXCEEDED",
        retries_attempted=retries,
    )


# -- Performance Optimization --------------------------------------------------------------------


async def batch_processing(input: BatchProcessingInput, context: StepflowContext) -> BatchProcessingOutput:
    """High-performance batch processing with parallel execution."""

    def process_single_item(item: dict[str, Any]) -> dict[str, Any]:
        return {**item, "processed": True, "checksum": hash(str(item))}

    all_results: list[dict[str, Any]] = []
    batch_count = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=input.max_workers) as executor:
        for i in range(0, len(input.items), input.batch_size):
            batch = input.items[i : i + input.batch_size]
            batch_count += 1
            futures = [executor.submit(process_single_item, item) for item in batch]
            all_results.extend(f.result() for f in concurrent.futures.as_completed(futures))
    return BatchProcessingOutput(
        processed_items=all_results,
        processing_stats={
            "total_items": len(input.items),
            "batches_processed": batch_count,
            "batch_size": input.batch_size,
            "workers_used": input.max_workers,
        },
    )


# -- HTTP Component Server -----------------------------------------------------------------------


def distributed_processing(input: DistributedProcessingInput) -> DistributedProcessingOutput:
    """Process data in a distributed environment."""
    start_time = time.time()
    processed_data = {
        "original_data": input.data,
        "processed_by": f"server-{os.getpid()}",
        "task_id": input.task_id,
        "mode": input.processing_mode,
        "priority": input.priority,
        "timestamp": time.time(),
    }
    time.sleep(max(0.1, 1.0 / input.priority))
    return DistributedProcessingOutput(
        task_id=input.task_id,
        result=processed_data,
        processing_time_ms=int((time.time() - start_time) * 1000),
        server_id=f"server-{os.getpid()}",
        session_id=str(uuid.uuid4()),
    )


def health_check(input: HealthCheckInput) -> HealthCheckOutput:
    """Health check endpoint for monitoring."""
    return HealthCheckOutput(
        status="healthy", server_id=f"server-{os.getpid()}", uptime_seconds=int(time.time() - _STARTED)
    )
